// Command bench measures strata on a fleet of N tenants with the real binary
// and a real MariaDB, next to the floor any tool pays: the mariadb client
// streaming the same DDL to the same number of databases with the same
// parallelism, and the bulk information_schema queries themselves. It
// prints a table per fleet size, writes it with the machine's description
// to BENCHMARKS.md, and drops every database and user it created.
//
// Run it with make bench (scripts/bench.sh).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.dsn, "dsn", "root:@tcp(127.0.0.1:3306)/", "go-sql-driver/mysql DSN of the MariaDB server")
	flag.StringVar(&cfg.strata, "strata", "bin/strata", "the strata binary")
	sizes := flag.String("sizes", "100 1000", "fleet sizes to measure, space-separated")
	flag.IntVar(&cfg.concurrency, "concurrency", 4, "tenants at once, for strata and for the mariadb-client floor")
	flag.StringVar(&cfg.out, "out", "BENCHMARKS.md", "file to write the table to (empty: stdout only)")
	flag.StringVar(&cfg.examples, "examples", "examples", "the example config repo whose basic and ngo layers make the tenant schema")
	flag.Parse()
	if err := bench(context.Background(), cfg, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	dsn, strata, out, examples string
	concurrency                int
}

func bench(ctx context.Context, cfg config, sizes string) error {
	// The floor's queries quote their arguments in the driver, as strata's
	// do: one round trip per query.
	mc, err := mysql.ParseDSN(cfg.dsn)
	if err != nil {
		return errors.New("bench: -dsn is not a go-sql-driver/mysql DSN")
	}
	mc.InterpolateParams = true
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return fmt.Errorf("bench: open server: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("bench: the MariaDB server is not reachable (scripts/ensure-mariadb.sh starts it): %w", err)
	}
	var reports []*report
	for _, f := range strings.Fields(sizes) {
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n < 100 {
			return fmt.Errorf("bench: fleet size %q: want a number >= 100 (1%% of it drifts)", f)
		}
		rep, err := measure(ctx, cfg, db, n)
		if err != nil {
			return err
		}
		reports = append(reports, rep)
		fmt.Println(rep.table())
	}
	doc := markdown(ctx, db, cfg, reports)
	fmt.Println(doc)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(doc), 0o644); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		slog.Info("wrote", "file", cfg.out)
	}
	return nil
}

// measure builds a fleet of n tenants and times each scenario, always
// dropping what it created.
func measure(ctx context.Context, cfg config, db *sql.DB, n int) (rep *report, err error) {
	f, err := newFleet(cfg, db, n)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, f.cleanup(context.WithoutCancel(ctx))) }()
	rep = &report{n: n, concurrency: cfg.concurrency}
	slog.Info("fleet", "tenants", n, "prefix", f.prefix)

	// Provision from nothing: databases, users, grants, schema, seeds, landlord records.
	floor, err := f.clientFloor(ctx, f.provisionScript)
	if err != nil {
		return nil, err
	}
	res, err := f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return nil, err
	}
	rep.add("provision from nothing", res, floor, "mariadb client: CREATE DATABASE + the layer DDL (no users, seeds or records)", 2)

	// No-op reconcile: plan of the in-sync fleet.
	fp, err := f.fingerprintFloor(ctx)
	if err != nil {
		return nil, err
	}
	res, err = f.strata(ctx, []int{0}, "plan", "--format", "json")
	if err != nil {
		return nil, err
	}
	if err := expectPlan(res.stdout, n, 0); err != nil {
		return nil, err
	}
	rep.add("no-op reconcile (plan)", res, fp, "the bulk information_schema queries alone (layers/fingerprint, one pass)", 1.5)

	// Rollout of one additive column to every tenant.
	floor, err = f.clientFloor(ctx, f.rolloutScript)
	if err != nil {
		return nil, err
	}
	if err := f.addRolloutColumn(); err != nil {
		return nil, err
	}
	res, err = f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return nil, err
	}
	rep.add("rollout of one additive column", res, floor, "mariadb client: the same ALTER TABLE on as many databases", 1.5)

	// Drift sweep with 1% of the tenants changed by hand.
	drifted, err := f.driftSome(ctx, n/100)
	if err != nil {
		return nil, err
	}
	fp, err = f.fingerprintFloor(ctx)
	if err != nil {
		return nil, err
	}
	res, err = f.strata(ctx, []int{2}, "drift", "--format", "json")
	if err != nil {
		return nil, err
	}
	if err := expectDrift(res.stdout, drifted); err != nil {
		return nil, err
	}
	rep.add(fmt.Sprintf("drift sweep, %d drifted (all found, severity medium)", len(drifted)), res, fp, "the bulk information_schema queries alone", 1.5)
	return rep, nil
}

// expectPlan checks strata plan's JSON: every tenant in sync.
func expectPlan(out []byte, n, changed int) error {
	var p struct {
		Summary struct {
			Tenants int `json:"tenants"`
			InSync  int `json:"in_sync"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return fmt.Errorf("bench: plan output: %w", err)
	}
	if p.Summary.Tenants != n || p.Summary.InSync != n-changed {
		return fmt.Errorf("bench: plan of the in-sync fleet: %d tenants, %d in sync; want %d in sync:\n%s", p.Summary.Tenants, p.Summary.InSync, n-changed, tail(string(out)))
	}
	return nil
}

// expectDrift checks strata drift's JSON: exactly the drifted tenants found,
// each with severity medium (one column added by hand).
func expectDrift(out []byte, drifted map[string]bool) error {
	var res struct {
		Tenants []struct{ Name, State, Severity string } `json:"tenants"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("bench: drift output: %w", err)
	}
	found := 0
	for _, t := range res.Tenants {
		switch {
		case drifted[t.Name] && (t.State != "drifted" || t.Severity != "medium"):
			return fmt.Errorf("bench: %s: drift %s %s, want drifted medium", t.Name, t.State, t.Severity)
		case !drifted[t.Name] && t.State != "none":
			return fmt.Errorf("bench: %s: drift %s, want none", t.Name, t.State)
		case drifted[t.Name]:
			found++
		}
	}
	if found != len(drifted) {
		return fmt.Errorf("bench: drift found %d of %d drifted tenants", found, len(drifted))
	}
	return nil
}
