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
		return writeSection(cfg.out, "scale", scaleSection(ctx, db, cfg, reports))
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
