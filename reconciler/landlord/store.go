// Package landlord is strata's record of what is and what happened: tenants
// and their status, apply history, schema snapshots, seed runs, encrypted
// credentials and drift reports, kept in a MySQL/MariaDB database (by
// default "strata") whose own schema strata manages declaratively (see
// Migrate). Nothing about a tenant is kept only in memory.
package landlord

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
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
	multi    *sql.DB // db's server, several statements a query (Batch); nil when arguments are not interpolated
	q        querier // db, or the transaction of Tx, or what Batch collects
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

// Batch runs fn as Tx does, in one round trip: fn's statements are
// collected and sent as one query between START TRANSACTION and COMMIT (a
// tenant's final record was six round trips, a provisioning's ten). fn
// must only write: a read, or a write whose result it uses (an id), makes
// Batch run fn again in a Tx, as does a batch too large for one packet.
// A batch the server refused committed nothing: the server stops at the
// failing statement, and the connection, its transaction open, is closed.
// Once sent, a batch is waited for even if ctx ends (the server runs it
// whole, COMMIT included, whether the client waits or not), for up to
// batchTimeout; a failure other than the server's (the connection lost)
// leaves its outcome unknown: ErrOutcomeUnknown.
func (s *Store) Batch(ctx context.Context, fn func(*Store) error) error {
	if s.multi == nil {
		return s.Tx(ctx, fn)
	}
	c := &collector{db: s.db}
	in := *s
	in.q = c
	if err := fn(&in); c.read || errors.Is(err, errNotBatched) || c.size > maxBatch {
		return s.Tx(ctx, fn)
	} else if err != nil {
		return err
	}
	if len(c.stmts) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("landlord: %w", err)
	}
	conn, err := s.multi.Conn(ctx)
	if err != nil {
		return fmt.Errorf("landlord: %w", err)
	}
	defer conn.Close()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	if _, err := conn.ExecContext(wctx, "START TRANSACTION; "+strings.Join(c.stmts, "; ")+"; COMMIT", c.args...); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // closed, not reused: the server rolls back
		var me *mysql.MySQLError
		if !errors.As(err, &me) {
			return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		return fmt.Errorf("landlord: %w", err)
	}
	return nil
}

// ErrOutcomeUnknown is a Batch that may or may not have been committed:
// the connection failed after it was sent. Writing its records again
// could record them twice.
var ErrOutcomeUnknown = errors.New("landlord: the connection failed after a batch of records was sent: they may or may not be written")

// maxBatch bounds the bytes of a Batch's statements and string arguments:
// well within one packet (max_allowed_packet is 16 MiB on MariaDB, 4 MiB
// on MySQL 5.7), else the driver falls back to a prepared statement that
// cannot hold several statements.
const maxBatch = 1 << 20

// batchTimeout bounds how long a sent Batch is waited for.
const batchTimeout = time.Minute

// errNotBatched is what Batch's collector answers a read or a result with.
var errNotBatched = errors.New("landlord: not a write Batch can send unread")

// collector is the querier of Batch: it keeps writes, and notes a read
// (run at once on db, outside any transaction: Batch then runs fn in a Tx).
type collector struct {
	db    *sql.DB
	stmts []string
	args  []any
	size  int // bytes of stmts and of the string arguments
	read  bool
}

func (c *collector) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	c.stmts = append(c.stmts, query)
	c.args = append(c.args, args...)
	c.size += len(query)
	for _, a := range args {
		switch v := a.(type) {
		case string:
			c.size += len(v)
		case sql.NullString:
			c.size += len(v.String)
		}
	}
	return unread{}, nil
}

func (c *collector) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.read = true
	return c.db.QueryContext(ctx, query, args...)
}

func (c *collector) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.read = true
	return c.db.QueryRowContext(ctx, query, args...)
}

// unread is the result of a collected write: it has none yet.
type unread struct{}

func (unread) LastInsertId() (int64, error) { return 0, errNotBatched }
func (unread) RowsAffected() (int64, error) { return 0, errNotBatched }

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
	st := &Store{db: db, q: db, database: database}
	if cfg.InterpolateParams { // a batch's arguments go in its one query
		mc := cfg.Clone()
		mc.MultiStatements = true
		if connector, err = mysql.NewConnector(mc); err != nil {
			db.Close()
			return nil, fmt.Errorf("landlord: %w", err)
		}
		st.multi = sql.OpenDB(connector)
		st.multi.SetMaxOpenConns(8)
		st.multi.SetConnMaxIdleTime(time.Minute)
	}
	return st, nil
}

// SetConcurrency sizes the pools for n workers writing at once: n
// connections stay idle between their writes (with the default of 2, four
// workers closed and reopened one per tenant), at most n+4 open, and n
// for batches.
func (s *Store) SetConcurrency(n int) {
	s.db.SetMaxOpenConns(max(8, n+4))
	s.db.SetMaxIdleConns(n)
	if s.multi != nil { // one batch a worker at most
		s.multi.SetMaxOpenConns(max(2, n))
		s.multi.SetMaxIdleConns(n)
	}
}

// Database returns the landlord database name.
func (s *Store) Database() string { return s.database }

// Close closes the Store's connections.
func (s *Store) Close() error {
	if s.multi != nil {
		s.multi.Close()
	}
	return s.db.Close()
}

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
