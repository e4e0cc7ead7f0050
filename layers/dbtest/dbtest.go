// Package dbtest gives tests a real MariaDB/MySQL server: its DSN, a
// connection, and uniquely named databases that are dropped when the test ends.
//
// The server is STRATA_TEST_DSN (a go-sql-driver/mysql DSN with a user that
// may create databases and users), by default root with no password on
// 127.0.0.1:3306. `make test` starts one when none answers.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/spec/ident"
)

// DefaultDSN is the server tests use when STRATA_TEST_DSN is unset.
const DefaultDSN = "root:@tcp(127.0.0.1:3306)/"

// DSN returns the test server's DSN with an empty database name.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("STRATA_TEST_DSN")
	if dsn == "" {
		dsn = DefaultDSN
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("dbtest: STRATA_TEST_DSN: %v", err)
	}
	cfg.DBName = ""
	return cfg.FormatDSN()
}

// Config returns the test server's connection settings (DSN parsed).
func Config(t testing.TB) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(DSN(t))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return cfg
}

// Open connects to the test server and closes the connection when the test ends.
// The test fails at once when the server does not answer.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", DSN(t))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("dbtest: no MariaDB at STRATA_TEST_DSN (run `make test`, which starts one): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenMulti connects to the test server as Open does, on connections that
// accept several statements in one query (go-sql-driver's multiStatements).
func OpenMulti(t testing.TB) *sql.DB {
	t.Helper()
	cfg := Config(t)
	cfg.MultiStatements = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close() })
	return db
}

// Name returns a database or user name unique to this run, starting with
// prefix, short enough for MySQL's limits.
func Name(prefix string) string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// Database creates an empty, uniquely named database (utf8mb4,
// utf8mb4_unicode_ci) and drops it when the test ends.
func Database(t testing.TB, db *sql.DB, prefix string) string {
	t.Helper()
	name := Name(prefix)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("dbtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { DropDatabases(t, db, name) })
	return name
}

// DropDatabases drops every database whose name starts with prefix. Tests
// that let strata create databases call it in t.Cleanup with a prefix unique
// to the test.
func DropDatabases(t testing.TB, db *sql.DB, prefix string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?", ident.Like(prefix)+"%")
	if err != nil {
		t.Errorf("dbtest: list databases: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+n+"`"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", n, err)
		}
	}
}

// DropUsers drops every user whose name starts with prefix.
func DropUsers(t testing.TB, db *sql.DB, prefix string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, "SELECT user, host FROM mysql.user WHERE user LIKE ?", ident.Like(prefix)+"%")
	if err != nil {
		t.Errorf("dbtest: list users: %v", err)
		return
	}
	type account struct{ user, host string }
	var accounts []account
	for rows.Next() {
		var a account
		if err := rows.Scan(&a.user, &a.host); err == nil {
			accounts = append(accounts, a)
		}
	}
	rows.Close()
	for _, a := range accounts {
		// Account names cannot be placeholders; they come from mysql.user, quoted.
		q := "DROP USER IF EXISTS " + quoteString(a.user) + "@" + quoteString(a.host)
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Errorf("dbtest: drop user %s: %v", a.user, err)
		}
	}
}

func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// Exec runs stmts, in order, inside database on one connection, failing the
// test at the first error. The connection is discarded afterwards, so no
// pooled connection keeps database as its current one.
func Exec(t testing.TB, db *sql.DB, database string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer conn.Close()
	defer conn.Raw(func(any) error { return driver.ErrBadConn })
	if _, err := conn.ExecContext(ctx, "USE `"+database+"`"); err != nil {
		t.Fatalf("dbtest: use %s: %v", database, err)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("dbtest: %s: %v", s, err)
		}
	}
}
