package layers_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// scanSchemata runs n sessions that list databases starting with prefix,
// as strata's bulk pass, the scratch sweep or any client may at any time,
// until the test's work is done.
func scanSchemata(t *testing.T, prefix string, n int) (stop func()) {
	db := dbtest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	like := strings.ReplaceAll(prefix, "_", `\_`) + "%"
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				rows, err := db.QueryContext(ctx, "SELECT schema_name, default_collation_name FROM information_schema.schemata WHERE schema_name LIKE ?", like)
				if err != nil {
					continue
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
	return func() { cancel(); wg.Wait() }
}

// TestComposeKeepsDefaultsUnderScans: compositions made while other
// sessions scan the scratch databases (as SweepScratch does, on every new
// composer's first composition) all have the composer's collation, on the
// schema and on tables declared without one.
func TestComposeKeepsDefaultsUnderScans(t *testing.T) {
	db := dbtest.Open(t)
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	stop := scanSchemata(t, layers.ScratchPrefix, 4)
	const n = 120
	var mu sync.Mutex
	var bad []string
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				l := basic(uniq(t) + fmt.Sprintf("-- %d\n", i) + "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s VARCHAR(10));\n")
				d, err := c.ComposeLayers(context.Background(), []*spec.Layer{l})
				if err != nil {
					t.Error(err)
					return
				}
				tbl, ok := d.Schema.Table("t")
				if !ok {
					t.Errorf("composition %d has no table t", i)
					return
				}
				if s, tc := collation(d.Schema.Attrs), collation(tbl.Attrs); s != "utf8mb4_unicode_ci" || tc != "utf8mb4_unicode_ci" {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("composition %d: schema %s, table %s", i, s, tc))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	stop()
	if len(bad) > 0 {
		t.Errorf("%d of %d compositions lost the composer's collation:\n%s", len(bad), n, strings.Join(bad, "\n"))
	}
}

func collation(attrs []schema.Attr) string {
	for _, a := range attrs {
		if c, ok := a.(*schema.Collation); ok {
			return c.V
		}
	}
	return ""
}

// TestCreateDatabaseNamesAsTheServerDoes: a charset or collation spelled
// otherwise than the server names it (an alias, another case) is checked
// as the server resolves it.
func TestCreateDatabaseNamesAsTheServerDoes(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("strata_dn_") + "_"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	for i, c := range []struct{ charset, collation, want string }{
		{"utf8mb4", "utf8mb4_unicode_ci", "utf8mb4_unicode_ci"},
		{"UTF8MB4", "UTF8MB4_UNICODE_CI", "utf8mb4_unicode_ci"},
		{"utf8", "", "utf8mb3_general_ci"},
		{"utf8mb4", "", "utf8mb4_general_ci"},
	} {
		name := fmt.Sprintf("%s%d", prefix, i)
		if created, err := layers.CreateDatabase(ctx, db, name, c.charset, c.collation); err != nil || !created {
			t.Errorf("%s/%s: created %v, %v", c.charset, c.collation, created, err)
			continue
		}
		var got string
		if err := db.QueryRowContext(ctx, "SELECT default_collation_name FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s/%s: database collation %s (%v), want %s", c.charset, c.collation, got, err, c.want)
		}
	}
}

// TestComposeAgainWhenDefaultsLost: a scratch database whose defaults
// change while a composition runs in it (as a concurrent read can make
// them) is not inspected as the desired schema: the layers are composed
// again in a new one.
func TestComposeAgainWhenDefaultsLost(t *testing.T) {
	db := dbtest.Open(t)
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	var spoiled string
	layers.SetBeforeStatement(t, func(_ int64, database string) {
		if spoiled == "" {
			spoiled = database
			if _, err := db.Exec("ALTER DATABASE `" + database + "` COLLATE utf8mb4_general_ci"); err != nil {
				t.Error(err)
			}
		}
	})
	d, err := c.ComposeLayers(context.Background(), []*spec.Layer{basic(uniq(t) + "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s VARCHAR(10));\n")})
	if err != nil {
		t.Fatal(err)
	}
	tc := "(no table t)"
	if tbl, ok := d.Schema.Table("t"); ok {
		tc = collation(tbl.Attrs)
	}
	if s := collation(d.Schema.Attrs); s != "utf8mb4_unicode_ci" || tc != "utf8mb4_unicode_ci" || c.Compositions() != 2 {
		t.Fatalf("composition after %s lost its defaults: schema %s, table t %s; %d compositions, want utf8mb4_unicode_ci and 2", spoiled, s, tc, c.Compositions())
	}
}

// spoiler is a server connection whose CREATE DATABASE is followed at once
// by an ALTER DATABASE to other defaults, as a concurrent read of the
// database list can leave them; alters counts the ALTER DATABASEs it ran.
type spoiler struct {
	*sql.DB
	alters int
}

func (s *spoiler) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.DB.ExecContext(ctx, query, args...)
	if name, ok := strings.CutPrefix(query, "CREATE DATABASE `"); ok && err == nil {
		name, _, _ = strings.Cut(name, "`")
		_, err = s.DB.ExecContext(ctx, "ALTER DATABASE `"+name+"` CHARACTER SET latin1")
	}
	if strings.HasPrefix(query, "ALTER DATABASE") {
		s.alters++
	}
	return res, err
}

// TestCreateDatabaseSetsLostDefaultsAgain: a database whose defaults the
// server lost right after CREATE DATABASE gets them again.
func TestCreateDatabaseSetsLostDefaultsAgain(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	name := dbtest.Name("strata_dl_")
	t.Cleanup(func() { dbtest.DropDatabases(t, db, name) })
	q := &spoiler{DB: db}
	if created, err := layers.CreateDatabase(ctx, q, name, "utf8mb4", "utf8mb4_unicode_ci"); err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	var cs, coll string
	if err := db.QueryRowContext(ctx, "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&cs, &coll); err != nil {
		t.Fatal(err)
	}
	if cs != "utf8mb4" || coll != "utf8mb4_unicode_ci" || q.alters != 1 {
		t.Fatalf("defaults %s/%s after %d ALTER DATABASE; want utf8mb4/utf8mb4_unicode_ci set again by one", cs, coll, q.alters)
	}
}
