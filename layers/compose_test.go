package layers_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ariga.io/atlas/sql/schema"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

const membersDDL = `CREATE TABLE members (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL
);
`

func basic(ddl string) *spec.Layer {
	return dbtest.Layer(spec.LayerBasic, "basic", "basic/001_members.sql", ddl)
}

func custom(ddl string) *spec.Layer {
	return dbtest.Layer(spec.LayerCustom, "acme", "tenants/acme/010_custom.sql", ddl)
}

// uniq makes layer contents (and so the hash) unique to one test run, so
// parallel runs never share a cache entry or a scratch name prefix.
func uniq(t *testing.T) string { return "-- " + dbtest.Name(t.Name()) + "\n" }

func TestComposeLayerOrder(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	add := custom(uniq(t) + "ALTER TABLE members ADD COLUMN fax VARCHAR(30) NULL;\n")

	tests := []struct {
		name    string
		layers  []*spec.Layer
		wantErr string // substring of the error; "" for success
	}{
		{"later layer alters an earlier table", []*spec.Layer{basic(membersDDL), add}, ""},
		{"reversed order fails on the alter", []*spec.Layer{add, basic(membersDDL)}, "tenants/acme/010_custom.sql:2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := c.ComposeLayers(ctx, tt.layers)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, spec.HashLayers(tt.layers), d.Hash)
			require.Equal(t, "", d.Schema.Name, "composition must be renamed to diff against any tenant")
			tbl, ok := d.Schema.Table("members")
			require.True(t, ok)
			var names []string
			for _, col := range tbl.Columns {
				names = append(names, col.Name)
			}
			require.Equal(t, []string{"id", "name", "fax"}, names)
			var coll schema.Collation
			require.True(t, hasAttr(tbl.Attrs, &coll) || hasAttr(d.Schema.Attrs, &coll))
		})
	}
}

func hasAttr(attrs []schema.Attr, c *schema.Collation) bool {
	for _, a := range attrs {
		if v, ok := a.(*schema.Collation); ok {
			*c = *v
			return v.V == "utf8mb4_unicode_ci"
		}
	}
	return false
}

func TestComposeStatementError(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	tests := []struct {
		name     string
		ddl      string
		wantLine int
		wantMsg  string
	}{
		{"unknown type", "CREATE TABLE a (id INT PRIMARY KEY);\n\nCREATE TABLE b (id INT PRIMARY KEY,\n  oops oops oops);\n", 4, "Unknown data type"},
		{"syntax error", "CREATE TABLE a (id INT PRIMARY KEY,,);\n", 2, "SQL syntax"},
		{"unknown table", "ALTER TABLE nowhere ADD COLUMN x INT;\n", 2, "nowhere"},
		{"view refused", "CREATE VIEW v AS SELECT 1;\n", 2, "not allowed"},
		{"database statement refused", "DROP DATABASE mysql;\n", 2, "not allowed"},
		{"use refused", "USE mysql;\n", 2, "not allowed"},
		{"invisible column refused", "CREATE TABLE a (id INT PRIMARY KEY, x INT INVISIBLE);\n", 2, "INVISIBLE"},
		{"float(m,d) refused", "CREATE TABLE a (id INT PRIMARY KEY, x FLOAT(7,2));\n", 2, "FLOAT(M,D)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ComposeLayers(ctx, []*spec.Layer{custom(uniq(t) + tt.ddl)})
			var se *layers.StatementError
			require.True(t, errors.As(err, &se), "want *StatementError, got %v", err)
			require.Equal(t, "tenants/acme/010_custom.sql", se.Path)
			// Line 1 is the unique comment, so statements start at line 2.
			require.Equal(t, tt.wantLine, se.Line)
			require.Contains(t, err.Error(), tt.wantMsg)
			require.True(t, strings.HasPrefix(err.Error(), se.Path+":"), err.Error())
		})
	}
}

func TestComposeCache(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	ls := []*spec.Layer{basic(uniq(t) + membersDDL)}

	var wg sync.WaitGroup
	results := make([]*layers.Desired, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := c.ComposeLayers(ctx, ls)
			if err != nil {
				t.Error(err)
			}
			results[i] = d
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, c.Compositions(), "concurrent callers with one hash compose once")
	for _, d := range results {
		require.Same(t, results[0], d)
	}
	d, err := c.Compose(ctx, &spec.Tenant{Name: "acme", Layers: ls})
	require.NoError(t, err)
	require.Same(t, results[0], d)
	require.EqualValues(t, 1, c.Compositions(), "a later caller hits the cache")

	bad := []*spec.Layer{custom(uniq(t) + "CREATE TABLE broken (;\n")}
	for range 2 {
		_, err := c.ComposeLayers(ctx, bad)
		require.Error(t, err)
	}
	require.EqualValues(t, 3, c.Compositions(), "failed compositions are not cached")
}

func TestScratchDatabasesDropped(t *testing.T) {
	db := dbtest.Open(t)
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci", layers.Confine(dbtest.Config(t)))
	tests := []struct {
		name    string
		ddl     string
		timeout time.Duration
		wantErr bool
	}{
		{"success", membersDDL, 0, false},
		{"failing statement", "CREATE TABLE x (id INT PRIMARY KEY);\nCREATE TABLE x (id INT PRIMARY KEY);\n", 0, true},
		// The ALTER waits for the table lock the hook below takes.
		{"cancelled mid-statement", membersDDL + "ALTER TABLE members ADD COLUMN fax INT;\n", 300 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := []*spec.Layer{basic(uniq(t) + tt.ddl)}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
				holdTableLock(t, db, "members", time.Second)
			}
			start := time.Now()
			_, err := c.ComposeLayers(ctx, ls)
			require.Equal(t, tt.wantErr, err != nil, "err: %v", err)
			require.Less(t, time.Since(start), 4*time.Second)
			prefix := layers.ScratchPrefix + spec.HashLayers(ls)[:12]
			// The drop after a cancelled statement may still be running on
			// the server side; give it a moment.
			require.Eventually(t, func() bool { return countDatabases(t, db, prefix) == 0 }, 5*time.Second, 50*time.Millisecond,
				"scratch database %s* left behind", prefix)
			require.Zero(t, countUsers(t, db, prefix), "scratch user %s* left behind", prefix)
		})
	}
}

// holdTableLock makes the first layer statement that runs after table
// exists in the scratch database wait: it write-locks the table from
// another session and releases the lock after hold.
func holdTableLock(t *testing.T, db *sql.DB, table string, hold time.Duration) {
	locked := false
	layers.SetBeforeStatement(t, func(_ int64, database string) {
		var n int
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", database, table).Scan(&n))
		if n == 0 || locked {
			return
		}
		locked = true
		conn, err := db.Conn(context.Background())
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "LOCK TABLES `"+database+"`.`"+table+"` WRITE")
		require.NoError(t, err)
		time.AfterFunc(hold, func() {
			_, _ = conn.ExecContext(context.Background(), "UNLOCK TABLES")
			conn.Close()
		})
	})
}

func countUsers(t *testing.T, db *sql.DB, prefix string) int {
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE user LIKE ?", prefix+"%").Scan(&n))
	return n
}

func countDatabases(t *testing.T, db *sql.DB, prefix string) int {
	var n int
	err := db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?", prefix+"%").Scan(&n)
	require.NoError(t, err)
	return n
}

// A caller whose ctx is alive gets a composition even when the caller that
// started the shared composition gave up half way.
func TestComposeWaiterOutlivesStarter(t *testing.T) {
	db := dbtest.Open(t)
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	ls := []*spec.Layer{basic(uniq(t) + membersDDL)}
	// The first composition takes a second, past the starter's deadline.
	var calls atomic.Int32
	layers.SetBeforeStatement(t, func(int64, string) {
		if calls.Add(1) == 1 {
			time.Sleep(time.Second)
		}
	})

	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	starterErr := make(chan error, 1)
	go func() {
		_, err := c.ComposeLayers(short, ls)
		starterErr <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the starter begin the composition
	d, err := c.ComposeLayers(context.Background(), ls)
	require.NoError(t, err)
	_, ok := d.Schema.Table("members")
	require.True(t, ok)
	require.ErrorIs(t, <-starterErr, context.DeadlineExceeded)
	require.EqualValues(t, 2, c.Compositions())
}
