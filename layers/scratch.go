package layers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"

	"github.com/stratadb/strata/spec"
)

// dropTimeout bounds dropping a scratch database after the caller's ctx ended.
const dropTimeout = 30 * time.Second

// scratch is a scratch database on the dev server with one dedicated
// connection whose current database it is, so layer statements run
// unqualified exactly as they will in a tenant database.
type scratch struct {
	db   *sql.DB
	conn *sql.Conn
	id   int64 // server thread of conn, killed on drop
	name string
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

func newScratch(ctx context.Context, db *sql.DB, hash, charset, collation string) (*scratch, error) {
	name, err := scratchName(hash)
	if err != nil {
		return nil, err
	}
	create := "CREATE DATABASE " + quoteIdent(name)
	if charset != "" {
		create += " CHARACTER SET " + quoteIdent(charset)
	}
	if collation != "" {
		create += " COLLATE " + quoteIdent(collation)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("layers: dev server: %w", err)
	}
	// The lock lives as long as conn: SweepScratch drops a scratch database
	// only when nobody holds it.
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", scratchLockName(name)).Scan(&got); err != nil {
		discard(conn)
		return nil, fmt.Errorf("layers: lock scratch database %s: %w", name, err)
	}
	if got.Int64 != 1 {
		discard(conn)
		return nil, fmt.Errorf("layers: scratch database name %s is taken; compose again", name)
	}
	if _, err := conn.ExecContext(ctx, create); err != nil {
		discard(conn)
		return nil, fmt.Errorf("layers: create scratch database (charset %q, collation %q): %w", charset, collation, err)
	}
	s := &scratch{db: db, conn: conn, name: name}
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&s.id); err != nil {
		return nil, fmt.Errorf("layers: dev server: %w; %w", err, s.drop())
	}
	if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(name)); err != nil {
		return nil, fmt.Errorf("layers: use scratch database: %w; %w", err, s.drop())
	}
	return s, nil
}

// run executes every statement of every layer file in order.
func (s *scratch) run(ctx context.Context, layers []*spec.Layer) error {
	for _, l := range layers {
		for _, f := range l.Files {
			for _, st := range f.Statements {
				if err := checkStatement(st.SQL); err != nil {
					return &StatementError{Path: f.Path, Line: st.Line, SQL: st.SQL, Err: err}
				}
				if _, err := s.conn.ExecContext(ctx, st.SQL); err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("layers: compose: %w", ctx.Err())
					}
					return &StatementError{Path: f.Path, Line: st.Line, SQL: st.SQL, Err: err}
				}
			}
		}
	}
	return nil
}

// drop drops the scratch database, also after the caller's ctx ended, and
// discards the connection: layer SQL may have changed its session state.
// The create ran with the caller's ctx, so drop must not.
func (s *scratch) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
	defer cancel()
	discard(s.conn)
	// A statement cut short by ctx keeps running on the server (and holds
	// the database) until its thread is killed.
	if s.id != 0 {
		_, _ = s.db.ExecContext(ctx, fmt.Sprintf("KILL %d", s.id))
	}
	if _, err := s.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(s.name)); err != nil {
		return fmt.Errorf("layers: drop scratch database %s: %w", s.name, err)
	}
	return nil
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
