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
	"math"
	"strconv"
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
// must only write, with one exception: the id of an insert (LastInsertId:
// a run's, which its statements name). Until the batch is sent, that id
// is a stand-in, which the batch's later statements read from a session
// variable; ids are where fn keeps such ids. When Batch returns nil they
// hold the real ids, otherwise their old values, whatever was written.
// A read makes Batch run fn again in a Tx, as does a batch too large for
// one packet or a stand-in that none of ids holds. A batch the server
// refused committed nothing: the server stops at the failing statement,
// and the connection, its transaction open, is closed. Once sent, a batch
// is waited for even if ctx ends (the server runs it whole, COMMIT
// included, whether the client waits or not), for up to batchTimeout; a
// failure other than the server's (the connection lost) leaves its
// outcome unknown: ErrOutcomeUnknown.
func (s *Store) Batch(ctx context.Context, fn func(*Store) error, ids ...*int64) (err error) {
	old := make([]int64, len(ids))
	for i, p := range ids {
		old[i] = *p
	}
	restore := func() {
		for i, p := range ids {
			*p = old[i]
		}
	}
	defer func() {
		if err != nil {
			restore()
		}
	}()
	if s.multi == nil {
		return s.Tx(ctx, fn)
	}
	c := &collector{db: s.db}
	in := *s
	in.q = c
	err = fn(&in)
	switch {
	case c.read || errors.Is(err, errNotBatched) || c.size > maxBatch || !c.held(ids):
		restore() // fn runs again from the ids it was given
		return s.Tx(ctx, fn)
	case err != nil:
		return err
	case len(c.stmts) == 0:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("landlord: %w", ctx.Err())
	}
	got, err := s.send(ctx, c)
	if err != nil {
		return err
	}
	for _, p := range ids {
		if k, ok := c.standIn(*p); ok {
			*p = got[k]
		}
	}
	return nil
}

// send runs a collected batch and returns the ids it stood in for.
func (s *Store) send(ctx context.Context, c *collector) ([]int64, error) {
	conn, err := s.multi.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("landlord: %w", err)
	}
	defer conn.Close()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	query := "START TRANSACTION; " + strings.Join(c.stmts, "; ")
	got := make([]int64, c.ids)
	if len(got) == 0 {
		_, err = conn.ExecContext(wctx, query+"; COMMIT", c.args...)
	} else {
		vars := make([]string, len(got))
		dest := make([]any, len(got))
		for k := range got {
			vars[k], dest[k] = idVar(k), &got[k]
		}
		// The ids are read before COMMIT, so that a failure to read them
		// committed nothing. The driver passes over the results before
		// the SELECT's, or returns the first statement's failure; Scan
		// reads COMMIT's result too.
		err = conn.QueryRowContext(wctx, query+"; SELECT "+strings.Join(vars, ", ")+"; COMMIT", c.args...).Scan(dest...)
	}
	if err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // closed, not reused: the server rolls back
		var me *mysql.MySQLError
		if !errors.As(err, &me) {
			return nil, fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		return nil, fmt.Errorf("landlord: %w", err)
	}
	return got, nil
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

// errNotBatched is what Batch's collector answers a read with, or a
// result it cannot stand in for.
var errNotBatched = errors.New("landlord: not a write Batch can send unread")

// collector is the querier of Batch: it keeps writes, and notes a read
// (run at once on db, outside any transaction: Batch then runs fn in a Tx).
type collector struct {
	db    *sql.DB
	stmts []string
	args  []any
	size  int // bytes of stmts and of the string arguments
	read  bool
	ids   int // ids stood in for
}

// The batch's k-th id stands in as firstStandIn-k until the batch is
// sent: far beyond any AUTO_INCREMENT id.
const firstStandIn = math.MaxInt64

// held reports whether ids hold every id the batch stood in for: one held
// elsewhere would keep its stand-in once the batch is sent.
func (c *collector) held(ids []*int64) bool {
	seen := map[int]bool{}
	for _, p := range ids {
		if k, ok := c.standIn(*p); ok {
			seen[k] = true
		}
	}
	return len(seen) == c.ids
}

// standIn reports whether v stands in for the batch's k-th id.
func (c *collector) standIn(v int64) (k int, ok bool) {
	if v <= firstStandIn-int64(c.ids) {
		return 0, false
	}
	return int(firstStandIn - v), true
}

// idVar is the session variable that holds a batch's k-th id.
func idVar(k int) string { return "@strata_batch_id_" + strconv.Itoa(k) }

func (c *collector) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	query, args, err := c.resolve(query, args)
	if err != nil {
		return nil, err
	}
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
	return collected{c, len(c.stmts) - 1}, nil
}

// resolve writes, for each argument that stands in for an id, the session
// variable holding the id in place of its placeholder.
func (c *collector) resolve(query string, args []any) (string, []any, error) {
	var marks []int // the placeholders' offsets, read once one is needed
	var b strings.Builder
	var kept []any
	last := 0
	for i, a := range args {
		var v int64
		rewrite := false // a form the Store passes ids in
		switch n := a.(type) {
		case int64:
			v, rewrite = n, true
		case sql.NullInt64:
			v, rewrite = n.Int64, n.Valid
		case int:
			v = int64(n)
		case uint64:
			v = int64(min(n, math.MaxInt64))
		}
		k, stand := c.standIn(v)
		if !stand {
			kept = append(kept, a)
			continue
		}
		if !rewrite { // it would reach the server as a number
			return "", nil, errNotBatched
		}
		if marks == nil {
			if marks = placeholders(query); len(marks) != len(args) {
				return "", nil, errNotBatched // not a query resolve can read
			}
		}
		b.WriteString(query[last:marks[i]])
		b.WriteString(idVar(k))
		last = marks[i] + 1
	}
	if marks == nil {
		return query, args, nil
	}
	b.WriteString(query[last:])
	return b.String(), kept, nil
}

// placeholders returns the offsets of query's placeholders: the question
// marks outside quotes. A query with a comment has none it can tell.
func placeholders(query string) []int {
	if strings.Contains(query, "#") || strings.Contains(query, "--") || strings.Contains(query, "/*") {
		return nil
	}
	var marks []int
	var quote byte // the open quote, or 0
	for i := 0; i < len(query); i++ {
		switch ch := query[i]; {
		case quote != 0 && ch == '\\' && quote != '`':
			i++ // an escaped character
		case quote != 0 && ch == quote:
			quote = 0 // a doubled quote closes and reopens
		case quote != 0:
		case ch == '\'' || ch == '"' || ch == '`':
			quote = ch
		case ch == '?':
			marks = append(marks, i)
		}
	}
	return marks
}

func (c *collector) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.read = true
	return c.db.QueryContext(ctx, query, args...)
}

func (c *collector) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.read = true
	return c.db.QueryRowContext(ctx, query, args...)
}

// collected is the result of the collector's i-th statement.
type collected struct {
	c *collector
	i int
}

// LastInsertId stands in for the id of an insert asked at once: the batch
// keeps it in a session variable from the statement after the insert. It
// is the id of a plain INSERT's first row (LAST_INSERT_ID()), as the
// Store's inserts whose ids it uses are; an INSERT IGNORE or ON DUPLICATE
// KEY UPDATE may leave the session's previous one.
func (r collected) LastInsertId() (int64, error) {
	if r.i != len(r.c.stmts)-1 {
		return 0, errNotBatched
	}
	k := r.c.ids
	r.c.stmts = append(r.c.stmts, "SET "+idVar(k)+" = LAST_INSERT_ID()")
	r.c.ids++
	return firstStandIn - int64(k), nil
}

func (collected) RowsAffected() (int64, error) { return 0, errNotBatched }

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
