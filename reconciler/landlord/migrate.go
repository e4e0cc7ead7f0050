package landlord

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// Layer returns the landlord's schema as a layer, its files in lexical order.
func Layer() (*spec.Layer, error) {
	names, err := fs.Glob(schemaFS, "schema/*.sql")
	if err != nil {
		return nil, fmt.Errorf("landlord: schema files: %w", err)
	}
	sort.Strings(names)
	l := &spec.Layer{Kind: spec.LayerBasic, Name: "landlord"}
	for _, n := range names {
		b, err := schemaFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("landlord: %w", err)
		}
		stmts, err := spec.SplitSQL(b)
		if err != nil {
			return nil, fmt.Errorf("landlord: %s: %w", n, err)
		}
		sum := sha256.Sum256(b)
		l.Files = append(l.Files, &spec.File{Path: "landlord/" + n, Content: b, Hash: hex.EncodeToString(sum[:]), Statements: stmts})
	}
	return l, nil
}

// Migrate creates the landlord database if missing and brings its schema to
// Layer(), composed by c and planned with the planner like any tenant.
// Only additive changes are applied: a destructive one is an error naming
// the statement, and nothing is changed. Concurrent strata processes
// serialise on an advisory lock. A schema change gives up waiting for a
// metadata lock after lockWait (apply.lock_wait_timeout; 0 is the server's
// default): it waits for every open transaction on its table, and every
// strata's landlord writes queue behind it meanwhile.
func (s *Store) Migrate(ctx context.Context, c *layers.Composer, charset, collation string, lockWait time.Duration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("landlord: connect: %w", err)
	}
	defer conn.Close()
	lock := LockName("landlord", s.database)
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lock).Scan(&got); err != nil {
		return fmt.Errorf("landlord: lock %s for migration: %w", s.database, err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("landlord: lock %s for migration: another strata held it for 60s; retry when its migration ends", s.database)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lock)

	create := "CREATE DATABASE IF NOT EXISTS " + ident.Quote(s.database)
	if charset != "" {
		create += " CHARACTER SET " + charset
	}
	if collation != "" {
		create += " COLLATE " + collation
	}
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("landlord: create database %s: %w", s.database, err)
	}
	layer, err := Layer()
	if err != nil {
		return err
	}
	desired, err := c.ComposeLayers(ctx, []*spec.Layer{layer})
	if err != nil {
		return fmt.Errorf("landlord: compose its schema: %w", err)
	}
	p, err := planner.New(ctx, s.db)
	if err != nil {
		return fmt.Errorf("landlord: %w", err)
	}
	self := &spec.Tenant{Name: "landlord", Database: s.database, Layers: []*spec.Layer{layer}}
	tp := p.Plan(ctx, self, desired)
	if tp.Action == planner.ActionFailed {
		return fmt.Errorf("landlord: plan its schema: %s", tp.Error)
	}
	for _, st := range tp.Statements {
		if st.Kind == planner.Destructive || st.Blocked {
			return fmt.Errorf("landlord: refusing a destructive change to the landlord database %s: %s "+
				"(the landlord schema only grows: add tables and columns, never drop them)", s.database, st.SQL)
		}
	}
	if len(tp.Statements) == 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "USE "+ident.Quote(s.database)); err != nil {
		return fmt.Errorf("landlord: %w", err)
	}
	if lockWait > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", max(1, int(math.Ceil(lockWait.Seconds()))))); err != nil {
			return fmt.Errorf("landlord: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = DEFAULT") // before the pool reuses it
	}
	for _, st := range tp.Statements {
		if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("landlord: migrate %s: %s: %w", s.database, firstLine(st.SQL), err)
		}
	}
	if again := p.Plan(ctx, self, desired); len(again.Statements) > 0 || again.Action == planner.ActionFailed {
		return fmt.Errorf("landlord: %s still differs from its schema after migration (%d statements, %s)", s.database, len(again.Statements), again.Error)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
