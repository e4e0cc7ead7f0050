package layers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/stratadb/strata/spec"
)

// dropTimeout bounds dropping a scratch database after the caller's ctx ended.
const dropTimeout = 30 * time.Second

// scratch is a scratch database on the dev server with one dedicated
// connection whose current database it is, so layer statements run
// unqualified exactly as they will in a tenant database. When the composer
// knows the dev server's connection settings, that connection belongs to a
// user made for this scratch database alone (see confine).
type scratch struct {
	db   *sql.DB
	lock *sql.Conn // the dev connection holding the scratch lock
	conn *sql.Conn // where layer statements run
	id   int64     // server thread of conn, killed on drop
	name string
	user *confined // nil when layer statements run as the dev user
}

// ScratchPrefix starts the name of every scratch database, so leftovers of
// a killed process can be found and dropped (spec keeps tenant and landlord
// databases out of it).
const ScratchPrefix = spec.ScratchPrefix

// scratchPattern is the exact shape scratchName gives: only such databases
// are ever swept.
var scratchPattern = regexp.MustCompile(`^` + ScratchPrefix + `[0-9a-f]{1,12}_[0-9a-f]{8}$`)

func scratchName(hash string) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("layers: scratch name: %w", err)
	}
	if len(hash) > 12 {
		hash = hash[:12]
	}
	return ScratchPrefix + hash + "_" + hex.EncodeToString(b[:]), nil
}

func newScratch(ctx context.Context, db *sql.DB, hash, charset, collation string, lim limits) (*scratch, error) {
	name, err := scratchName(hash)
	if err != nil {
		return nil, err
	}
	lock, err := db.Conn(ctx)
	if err != nil {
		return nil, serverError("connect", err)
	}
	// The lock lives as long as lock: SweepScratch drops a scratch database
	// (and its user) only when nobody holds it.
	var got sql.NullInt64
	if err := lock.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", scratchLockName(name)).Scan(&got); err != nil {
		discard(lock)
		return nil, serverError("lock scratch database "+name, err)
	}
	if got.Int64 != 1 {
		discard(lock)
		return nil, fmt.Errorf("layers: scratch database name %s is taken; compose again", name)
	}
	if created, err := CreateDatabase(ctx, lock, name, charset, collation); err != nil {
		if created {
			_, _ = lock.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name))
		}
		discard(lock)
		return nil, serverError("scratch database", err)
	}
	s := &scratch{db: db, lock: lock, name: name}
	if err := s.connect(ctx, lim); err != nil {
		return nil, errors.Join(err, s.drop())
	}
	return s, nil
}

// connect opens the connection layer statements run on: as a confined user
// when lim.server is set, else as the dev user with the statement limit set
// on its session.
func (s *scratch) connect(ctx context.Context, lim limits) error {
	if lim.server != nil {
		u, conn, err := confine(ctx, s.lock, lim, s.name)
		s.user = u
		if err != nil {
			return err
		}
		s.conn = conn
	} else {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return serverError("connect", err)
		}
		s.conn = conn
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %.3f", lim.timeout.Seconds())); err != nil {
			return serverError("set max_statement_time", err)
		}
		if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(s.name)); err != nil {
			return serverError("use scratch database", err)
		}
	}
	if err := s.conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&s.id); err != nil {
		return serverError("connect", err)
	}
	return nil
}

// run executes every statement of every layer file in order, each checked
// again right before it reaches the dev server.
func (s *scratch) run(ctx context.Context, layers []*spec.Layer) error {
	for _, l := range layers {
		for _, f := range l.Files {
			for _, st := range f.Statements {
				if err := checkStatement(st.SQL); err != nil {
					return &StatementError{Path: f.Path, Line: st.Line, SQL: st.SQL, Err: err}
				}
				if testHookBeforeStatement != nil {
					testHookBeforeStatement(s.id, s.name)
				}
				if _, err := s.conn.ExecContext(ctx, st.SQL); err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("layers: compose: %w", ctx.Err())
					}
					return classify(f.Path, st.Line, st.SQL, err)
				}
			}
		}
	}
	return nil
}

// testHookBeforeStatement, set by tests only, runs before each layer
// statement with the server thread that will run it and the scratch
// database, so a test can kill the connection or lock a table under it.
var testHookBeforeStatement func(thread int64, database string)

// drop drops the scratch database and its user, also after the caller's ctx
// ended, and discards the connections: layer SQL may have changed their
// session state. The create ran with the caller's ctx, so drop must not.
func (s *scratch) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
	defer cancel()
	if s.conn != nil {
		discard(s.conn)
	}
	// A statement cut short by ctx keeps running on the server (and holds
	// the database) until its thread is killed.
	if s.id != 0 {
		_, _ = s.db.ExecContext(ctx, fmt.Sprintf("KILL %d", s.id))
	}
	var errs []error
	if s.user != nil {
		errs = append(errs, s.user.drop(ctx, s.db))
	}
	if _, err := s.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(s.name)); err != nil {
		errs = append(errs, fmt.Errorf("layers: drop scratch database %s: %w", s.name, err))
	}
	discard(s.lock) // releases the scratch lock
	return errors.Join(errs...)
}

// discard closes conn without returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

func quoteIdent(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '`')
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			b = append(b, '`')
		}
		b = append(b, s[i])
	}
	return string(append(b, '`'))
}
