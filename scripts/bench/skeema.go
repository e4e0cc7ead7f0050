package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// peer is one scenario of a peer tool: its time, or why it did not run.
type peer struct {
	took time.Duration
	note string // "skeema not installed", "n/a"; empty when took is measured
}

// skeemaTimes are Skeema's figures on the fleet's fixture.
type skeemaTimes struct {
	provision, noop, rollout peer
}

func notRun(note string) skeemaTimes {
	return skeemaTimes{peer{note: note}, peer{note: note}, peer{note: note}}
}

// schemaOf is every table's SHOW CREATE TABLE in database db, by table name:
// the composed schema as *.sql files Skeema reads (one CREATE per table).
func (f *fleet) schemaOf(ctx context.Context, db string) (map[string]string, error) {
	tables, err := strings1(ctx, f.db, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", db)
	if err != nil {
		return nil, fmt.Errorf("bench: tables of %s: %w", db, err)
	}
	out := map[string]string{}
	for _, t := range tables {
		var name, create string
		if err := f.db.QueryRowContext(ctx, "SHOW CREATE TABLE `"+db+"`.`"+t+"`").Scan(&name, &create); err != nil {
			return nil, fmt.Errorf("bench: SHOW CREATE TABLE %s.%s: %w", db, t, err)
		}
		out[t] = create + ";\n"
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bench: %s has no tables to give Skeema", db)
	}
	return out, nil
}

// skeema measures Skeema's best setup on the same fixture, on n databases
// of its own (prefix sk_): push to empty databases (provision; Skeema
// creates no users or grants), push of the in-sync fleet (no-op), push of
// one column + one index (rollout). Skeema works on one server's schemas one
// after the other (its concurrency option, concurrent-servers, spreads only
// over servers), so the fleet is split into as many skeema processes as
// strata has workers, each on its own share and temp schema; lint and the
// temp-schema verification of each ALTER are off (the fastest setup).
// before and after are the schema before and after the rollout.
func (f *fleet) skeema(ctx context.Context, before, after map[string]string) (skeemaTimes, error) {
	if f.cfg.scale {
		return notRun("not run"), nil
	}
	if f.cfg.skeema == "" {
		return notRun("skeema not installed"), nil
	}
	mc, err := mysql.ParseDSN(f.cfg.dsn)
	if err != nil {
		return skeemaTimes{}, errors.New("bench: -dsn is not a go-sql-driver/mysql DSN")
	}
	host, port, _ := strings.Cut(mc.Addr, ":")
	// Skeema keeps a connection pool per schema for a minute, one connection
	// or more each: on one server its n schemas need some n connections at
	// once, which a default max_connections (151) refuses. Raised for the
	// run (a Skeema user with this fleet would raise it too), then restored.
	var maxConns int
	if err := f.db.QueryRowContext(ctx, "SELECT @@GLOBAL.max_connections").Scan(&maxConns); err != nil {
		return skeemaTimes{}, fmt.Errorf("bench: %w", err)
	}
	if want := 2*f.n + 500; maxConns < want {
		if _, err := f.db.ExecContext(ctx, fmt.Sprintf("SET GLOBAL max_connections = %d", want)); err != nil {
			return skeemaTimes{}, fmt.Errorf("bench: raise max_connections for skeema: %w", err)
		}
		defer f.db.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET GLOBAL max_connections = %d", maxConns))
	}
	root, err := os.MkdirTemp("", "strata-bench-skeema-")
	if err != nil {
		return skeemaTimes{}, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(root)
	shares := make([][]string, f.cfg.concurrency)
	for i, n := range f.names {
		shares[i%len(shares)] = append(shares[i%len(shares)], f.prefix+"sk_"+n)
	}
	var dirs []string
	for i, share := range shares {
		if len(share) == 0 {
			continue
		}
		dir := filepath.Join(root, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return skeemaTimes{}, fmt.Errorf("bench: %w", err)
		}
		opts := fmt.Sprintf("host=%s\nport=%s\nuser=%s\nschema=%s\ndefault-character-set=utf8mb4\ndefault-collation=utf8mb4_unicode_ci\n"+
			"temp-schema=%ssktmp%d\nskip-lint\nskip-verify\n", host, or(port, "3306"), mc.User, strings.Join(share, ","), f.prefix, i)
		if mc.Passwd != "" {
			opts += "password=" + mc.Passwd + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, ".skeema"), []byte(opts), 0o644); err != nil {
			return skeemaTimes{}, fmt.Errorf("bench: %w", err)
		}
		dirs = append(dirs, dir)
	}
	var t skeemaTimes
	if t.provision.took, err = skeemaPush(ctx, f.cfg.skeema, dirs, before); err != nil {
		return t, err
	}
	if t.noop.took, err = skeemaPush(ctx, f.cfg.skeema, dirs, nil); err != nil {
		return t, err
	}
	if t.rollout.took, err = skeemaPush(ctx, f.cfg.skeema, dirs, after); err != nil {
		return t, err
	}
	// Skeema said it pushed; check that every database has the change.
	var got int
	like := strings.ReplaceAll(f.prefix+"sk_", "_", `\_`) + "%"
	if err := f.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA LIKE ? AND INDEX_NAME = ?", like, rolloutIndex).Scan(&got); err != nil {
		return t, fmt.Errorf("bench: skeema rollout check: %w", err)
	}
	if got != f.n {
		return t, fmt.Errorf("bench: skeema rolled the index out to %d of %d databases", got, f.n)
	}
	return t, nil
}

// skeemaPush writes schema (when not nil) as *.sql files into every dir and
// runs skeema push in all of them at once.
func skeemaPush(ctx context.Context, bin string, dirs []string, schema map[string]string) (time.Duration, error) {
	for _, dir := range dirs {
		for table, create := range schema {
			if err := os.WriteFile(filepath.Join(dir, table+".sql"), []byte(create), 0o644); err != nil {
				return 0, fmt.Errorf("bench: %w", err)
			}
		}
	}
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, bin, "push")
			cmd.Dir = dir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("bench: skeema push in %s: %w: %s", dir, err, tail(out.String()))
			}
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}
