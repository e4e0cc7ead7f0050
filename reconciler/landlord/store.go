// Package landlord is strata's record of what is and what happened: tenants
// and their status, apply history, schema snapshots, seed runs, encrypted
// credentials and drift reports, kept in a MySQL/MariaDB database (by
// default "strata") whose own schema strata manages declaratively (see
// Migrate). Nothing about a tenant is kept only in memory.
package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/spec"

	"github.com/stratadb/strata/spec/ident"
)

// DefaultDatabase is the landlord database when strata.yaml names none.
const DefaultDatabase = "strata"

// ErrNotFound is returned when the landlord has no record of what was asked for.
var ErrNotFound = errors.New("landlord: not found")

// Store reads and writes the landlord database. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	q        querier // db, or the transaction of Tx
	database string
}

// querier runs the Store's statements: its pool, or one transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx runs fn with a Store whose statements run in one transaction,
// committed when fn returns nil and rolled back otherwise: records written
// together reach the disk with one log flush instead of one each.
func (s *Store) Tx(ctx context.Context, fn func(*Store) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("landlord: begin: %w", err)
	}
	in := *s
	in.q = tx
	if err := fn(&in); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("landlord: commit: %w", err)
	}
	return nil
}

// Open returns a Store for database on the server serverDSN names (a
// go-sql-driver/mysql DSN; a secret, never logged). It does not touch the
// server: call Migrate before first use of a new landlord.
func Open(serverDSN, database string) (*Store, error) {
	if database == "" {
		database = DefaultDatabase
	}
	cfg, err := spec.ParseServerDSN(serverDSN)
	if err != nil {
		return nil, fmt.Errorf("landlord: the landlord server's DSN is %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("landlord: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(time.Minute)
	return &Store{db: db, q: db, database: database}, nil
}

// SetConcurrency sizes the pool for n workers writing at once: n
// connections stay idle between their writes (with the default of 2, four
// workers closed and reopened one per tenant), at most n+4 open.
func (s *Store) SetConcurrency(n int) {
	s.db.SetMaxOpenConns(max(8, n+4))
	s.db.SetMaxIdleConns(n)
}

// Database returns the landlord database name.
func (s *Store) Database() string { return s.database }

// Close closes the Store's connections.
func (s *Store) Close() error { return s.db.Close() }

// t returns the qualified, quoted name of a landlord table.
func (s *Store) t(table string) string {
	return ident.Quote(s.database) + "." + ident.Quote(table)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t.UTC(), Valid: !t.IsZero()} }

// Exists reports whether the landlord database has been created (by a first
// strata apply): read-only verbs read it without migrating it.
func (s *Store) Exists(ctx context.Context) (bool, error) {
	var n int
	err := s.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'tenants'", s.database).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("landlord: look up database %s: %w", s.database, err)
	}
	return n > 0, nil
}
