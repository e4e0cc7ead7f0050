package layers

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// The scratch user contains what the layer checks would miss: these
// statements run on its connection directly, as a statement that slipped
// past spec's checks would (issue 11 items 4 and 5).
func TestScratchUserConfined(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	other := dbtest.Database(t, db, "st_conf_")
	dbtest.Exec(t, db, other, "CREATE TABLE secret (v INT)")
	dir := t.TempDir() + "/x"

	s, err := newScratch(ctx, db, "c0ffee", "utf8mb4", "utf8mb4_unicode_ci", limits{server: dbtest.Config(t), timeout: 500 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.drop()) })

	var leaked sql.NullString
	require.NoError(t, s.conn.QueryRowContext(ctx, "SELECT LOAD_FILE('/etc/hostname')").Scan(&leaked))
	require.False(t, leaked.Valid, "LOAD_FILE read a server file: %q", leaked.String)

	start := time.Now()
	_, err = s.conn.ExecContext(ctx, "CREATE TABLE slow AS SELECT SLEEP(20) AS f")
	require.Less(t, time.Since(start), 5*time.Second, "max_statement_time did not stop SLEEP")
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "want a server error, got %v", err)
	require.EqualValues(t, erStatementTimeout, me.Number)

	for _, q := range []string{
		"CREATE TABLE disk (id INT) ENGINE=MyISAM DATA DIRECTORY='" + dir + "'",
		"SELECT * FROM `" + other + "`.secret",
		"CREATE TABLE `" + other + "`.planted (id INT)",
		"SELECT * FROM mysql.user",
		"CREATE DATABASE " + s.name + "_2",
	} {
		_, err := s.conn.ExecContext(ctx, q)
		require.Error(t, err, q)
	}
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err), "DATA DIRECTORY wrote to the server's disk")

	var threads int
	require.NoError(t, s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.processlist").Scan(&threads))
	require.Equal(t, 1, threads, "the scratch user sees other sessions (PROCESS)")

	// Layer DDL itself works.
	for _, q := range []string{
		"CREATE TABLE a (id INT PRIMARY KEY, b_id INT)",
		"CREATE TABLE b (id INT PRIMARY KEY)",
		"ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id), ADD COLUMN n INT",
		"CREATE INDEX a_n ON a (n)",
		"RENAME TABLE b TO c",
		"DROP INDEX a_n ON a",
	} {
		_, err := s.conn.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
}

// Composing the reproductions of issue 11 fails at the statement, as the
// layer's fault, and never echoes what the server holds.
func TestComposeRefusesUntrustedSQL(t *testing.T) {
	db := dbtest.Open(t)
	host, _ := os.ReadFile("/etc/hostname")
	c := New(db, "utf8mb4", "utf8mb4_unicode_ci", Confine(dbtest.Config(t)))
	for _, ddl := range []string{
		"CREATE TABLE leak AS SELECT EXTRACTVALUE(1, CONCAT(0x5c, LOAD_FILE('/etc/hostname'))) AS f",
		"CREATE TABLE slow AS SELECT SLEEP(20) AS f",
		"CREATE TABLE disk (id INT) ENGINE=MyISAM DATA DIRECTORY='/tmp/x'",
	} {
		start := time.Now()
		_, err := c.ComposeLayers(context.Background(), []*spec.Layer{dbtest.Layer(spec.LayerBasic, "basic", "basic/001.sql", "-- "+dbtest.Name("")+"\n"+ddl+";\n")})
		var se *StatementError
		require.True(t, errors.As(err, &se), "want *StatementError, got %v", err)
		require.Equal(t, 2, se.Line)
		require.Contains(t, err.Error(), "not allowed")
		if h := strings.TrimSpace(string(host)); h != "" {
			require.NotContains(t, err.Error(), h)
		}
		require.Less(t, time.Since(start), 5*time.Second)
	}
}

// A connection that drops mid-composition is the server's failure, not the
// layer's (issue 11 item 11).
func TestComposeDroppedConnectionIsServerError(t *testing.T) {
	db := dbtest.Open(t)
	c := New(db, "utf8mb4", "utf8mb4_unicode_ci", Confine(dbtest.Config(t)))
	SetBeforeStatement(t, func(thread int64, _ string) {
		_, err := db.Exec("KILL CONNECTION ?", thread)
		require.NoError(t, err)
	})
	_, err := c.ComposeLayers(context.Background(), []*spec.Layer{dbtest.Layer(spec.LayerBasic, "basic", "basic/x.sql", "-- "+dbtest.Name("")+"\nCREATE TABLE x (id INT);\n")})
	var se *ServerError
	require.True(t, errors.As(err, &se), "want *ServerError, got %T %v", err, err)
	var st *StatementError
	require.False(t, errors.As(err, &st), "a dropped connection blamed on the layer: %v", err)
	require.Equal(t, "basic/x.sql", se.Path)
	require.Contains(t, err.Error(), "not the layer")
}
