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
	flag.StringVar(&cfg.skeema, "skeema", "", "the skeema binary to compare with (empty: the table says skeema not installed)")
	flag.IntVar(&cfg.drift, "drift", 0, "tenants drifted by hand before the drift sweep (0: 1% of the fleet)")
	flag.BoolVar(&cfg.scale, "scale", false, "make bench-scale: no peer, convergence checked after the rollout, figures written to the scale section of -out")
	servers := flag.String("servers", "", "make bench-servers: space-separated DSNs of further servers; rollout on the -dsn server alone vs spread over all, written to the servers section of -out")
	flag.Parse()
	var err error
	if *servers != "" {
		err = benchServers(context.Background(), cfg, strings.Fields(*servers), *sizes)
	} else {
		err = bench(context.Background(), cfg, *sizes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type config struct {
	dsn, strata, out, examples, skeema string
	concurrency, drift                 int
	scale                              bool
	dsns                               []string // every server's; dsn first (bench-servers)
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
	if cfg.scale {
		return writeSection(cfg.out, "scale", scaleSection(ctx, db, reports))
	}
	old, _ := os.ReadFile(cfg.out)
	doc := markdown(ctx, db, cfg, reports, keptSections(string(old)))
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
	f, err := newFleet(cfg, db, n, nil, 0)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, f.cleanup(context.WithoutCancel(ctx))) }()
	rep = &report{n: n, concurrency: cfg.concurrency}
	slog.Info("fleet", "tenants", n, "prefix", f.prefix)

	// The floor and the peer first, each on databases of its own, dropped
	// before strata starts: the server holds one fleet's tables at a time.
	provisionFloor, err := f.clientFloor(ctx, f.provisionScript)
	if err != nil {
		return nil, err
	}
	before, err := f.schemaOf(ctx, f.floorDBs[0])
	if err != nil {
		return nil, err
	}
	rolloutFloor, err := f.clientFloor(ctx, f.rolloutScript)
	if err != nil {
		return nil, err
	}
	after, err := f.schemaOf(ctx, f.floorDBs[0])
	if err != nil {
		return nil, err
	}
	if err := f.dropLike(ctx, f.prefix+"floor_"); err != nil {
		return nil, err
	}
	slog.Info("floor measured", "provision", provisionFloor, "rollout", rolloutFloor)
	sk, err := f.skeema(ctx, before, after)
	if err != nil {
		return nil, err
	}
	if err := f.dropLike(ctx, f.prefix+"sk"); err != nil {
		return nil, err
	}
	slog.Info("skeema measured", "provision", sk.provision, "no-op", sk.noop, "rollout", sk.rollout)

	// Provision from nothing: databases, users, grants, schema, seeds, landlord records.
	res, err := f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return nil, err
	}
	rep.add("provision from nothing", res, provisionFloor, "mariadb client: CREATE DATABASE + the layer DDL (no users, seeds or records)", 2, sk.provision)

	// No-op reconcile: plan of the in-sync fleet.
	fp, err := f.fingerprintFloor(ctx)
	if err != nil {
		return nil, err
	}
	res, err = f.strata(ctx, []int{0}, "plan", "--format", "json")
	if err != nil {
		return nil, err
	}
	if _, err := expectPlan(res.stdout, n, n); err != nil {
		return nil, err
	}
	rep.add("no-op reconcile (plan)", res, fp, "the bulk information_schema queries alone (layers/fingerprint, one pass)", 1.5, sk.noop)

	// Rollout of one column and one index to every tenant.
	if err := f.addRolloutColumn(); err != nil {
		return nil, err
	}
	res, err = f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return nil, err
	}
	rep.add("rollout of one column + one index", res, rolloutFloor, "mariadb client: the same ALTER TABLE on as many databases", 1.5, sk.rollout)
	if cfg.scale {
		// Converged: a plan after the rollout finds every tenant in sync.
		res, err := f.strata(ctx, []int{0, 2}, "plan", "--format", "json")
		if err != nil {
			return nil, err
		}
		if rep.converged, err = expectPlan(res.stdout, n, -1); err != nil {
			return nil, err
		}
	}

	// Drift sweep with some tenants changed by hand.
	k := cfg.drift
	if k <= 0 {
		k = n / 100
	}
	drifted, err := f.driftSome(ctx, k)
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
	if rep.driftFound, err = expectDrift(res.stdout, drifted); err != nil {
		return nil, err
	}
	rep.driftWant = len(drifted)
	rep.add(fmt.Sprintf("drift sweep, %d drifted (all found, severity medium)", len(drifted)), res, fp, "the bulk information_schema queries alone", 1.5, peer{note: "n/a"})
	return rep, nil
}

// expectPlan checks strata plan's JSON: n tenants, inSync of them in sync
// (any number when inSync < 0); it returns how many are.
func expectPlan(out []byte, n, inSync int) (int, error) {
	var p struct {
		Summary struct {
			Tenants int `json:"tenants"`
			InSync  int `json:"in_sync"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return 0, fmt.Errorf("bench: plan output: %w", err)
	}
	if p.Summary.Tenants != n || (inSync >= 0 && p.Summary.InSync != inSync) {
		return 0, fmt.Errorf("bench: plan of the fleet: %d tenants, %d in sync; want %d, %d in sync:\n%s", p.Summary.Tenants, p.Summary.InSync, n, inSync, tail(string(out)))
	}
	return p.Summary.InSync, nil
}

// expectDrift checks strata drift's JSON: exactly the drifted tenants found,
// each with severity medium (one column added by hand); it returns how many
// of them it found.
func expectDrift(out []byte, drifted map[string]bool) (int, error) {
	var res struct {
		Tenants []struct{ Name, State, Severity string } `json:"tenants"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("bench: drift output: %w", err)
	}
	found := 0
	for _, t := range res.Tenants {
		switch {
		case drifted[t.Name] && (t.State != "drifted" || t.Severity != "medium"):
			return 0, fmt.Errorf("bench: %s: drift %s %s, want drifted medium", t.Name, t.State, t.Severity)
		case !drifted[t.Name] && t.State != "none":
			return 0, fmt.Errorf("bench: %s: drift %s, want none", t.Name, t.State)
		case drifted[t.Name]:
			found++
		}
	}
	if found != len(drifted) {
		return found, fmt.Errorf("bench: drift found %d of %d drifted tenants", found, len(drifted))
	}
	return found, nil
}
