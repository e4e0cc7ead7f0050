package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// spreadRun is one fleet's provision and rollout on some servers.
type spreadRun struct {
	servers            int
	provision, rollout run
	floor              time.Duration // the mariadb-client rollout floor on the same servers
}

// benchServers is make bench-servers: the same n tenants on the -dsn server
// alone, then spread round-robin over it and the further servers. strata
// works on each server with its own workers (--concurrency per server), so
// the rollout's wall time should fall with the number of servers as long as
// the machine has cores to spare. The mariadb-client floor (4 sessions per
// server) runs the same rollout on the same servers.
func benchServers(ctx context.Context, cfg config, more []string, sizes string) error {
	var n int
	if _, err := fmt.Sscan(strings.Fields(sizes)[0], &n); err != nil || n < 1 {
		return fmt.Errorf("bench: fleet size %q: want a number", sizes)
	}
	cfg.dsns = append([]string{cfg.dsn}, more...)
	var dbs []*sql.DB
	for _, dsn := range cfg.dsns {
		mc, err := mysql.ParseDSN(dsn)
		if err != nil {
			return fmt.Errorf("bench: %q is not a go-sql-driver/mysql DSN", dsn)
		}
		mc.InterpolateParams = true
		connector, err := mysql.NewConnector(mc)
		if err != nil {
			return fmt.Errorf("bench: open server: %w", err)
		}
		db := sql.OpenDB(connector)
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("bench: server %s: %w", mc.Addr, err)
		}
		dbs = append(dbs, db)
	}
	var runs []spreadRun
	for _, spread := range []int{1, len(dbs)} {
		r, err := measureSpread(ctx, cfg, dbs, n, spread)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	return writeSection(cfg.out, "servers", serversSection(ctx, dbs[0], cfg, n, runs))
}

func measureSpread(ctx context.Context, cfg config, dbs []*sql.DB, n, spread int) (r spreadRun, err error) {
	f, err := newFleet(cfg, dbs[0], n, dbs[1:], spread)
	if err != nil {
		return r, err
	}
	defer func() { err = errors.Join(err, f.cleanup(context.WithoutCancel(ctx))) }()
	r.servers = spread
	slog.Info("fleet", "tenants", n, "servers", spread, "prefix", f.prefix)
	if r.floor, err = f.spreadFloor(ctx, dbs, spread); err != nil {
		return r, err
	}
	if r.provision, err = f.strata(ctx, []int{0}, "apply"); err != nil {
		return r, err
	}
	if err := f.addRolloutColumn(); err != nil {
		return r, err
	}
	if r.rollout, err = f.strata(ctx, []int{0}, "apply"); err != nil {
		return r, err
	}
	res, err := f.strata(ctx, []int{0}, "plan", "--format", "json")
	if err != nil {
		return r, err
	}
	_, err = expectPlan(res.stdout, n, n)
	return r, err
}

// spreadFloor times the mariadb-client rollout floor on floor databases
// spread like the tenants: every server's share streamed by as many
// sessions as strata has workers per server, all servers at once. The
// floor databases are provisioned first (untimed) and dropped after.
func (f *fleet) spreadFloor(ctx context.Context, dbs []*sql.DB, spread int) (time.Duration, error) {
	shares := make([]*fleet, spread)
	for i := range shares {
		c := f.cfg
		c.dsn = f.cfg.dsns[i]
		shares[i] = &fleet{cfg: c, db: dbs[i], prefix: f.prefix, ddl: f.ddl}
	}
	for i, name := range f.names {
		s := shares[i%spread]
		s.names = append(s.names, name)
	}
	for _, s := range shares {
		if _, err := s.clientFloor(ctx, f.provisionScript); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	errs := make(chan error, spread)
	for _, s := range shares {
		go func() {
			_, err := s.clientFloor(ctx, f.rolloutScript)
			errs <- err
		}()
	}
	var all []error
	for range shares {
		all = append(all, <-errs)
	}
	took := time.Since(start)
	for _, s := range shares {
		all = append(all, s.dropLike(ctx, f.prefix+"floor_"))
	}
	return took, errors.Join(all...)
}

func serversSection(ctx context.Context, db *sql.DB, cfg config, n int, runs []spreadRun) string {
	var b strings.Builder
	b.WriteString("## make bench-servers\n\nWritten by `make bench-servers` (scripts/bench-servers.sh, not in CI): the same fixture, " +
		"the same tenants on one private\nMariaDB and then spread round-robin over several (each started by the script; the landlord on the first). " +
		"strata\nworks on each server with its own workers; the floor is the mariadb client's rollout with as many sessions per server.\n\n")
	fmt.Fprintf(&b, "Machine: %s. N = %d tenants, --concurrency %d (per server).\n\n", machine(ctx, db, cfg.strata), n, cfg.concurrency)
	b.WriteString("| servers | provision | ms/tenant | rollout (one column + one index) | ms/tenant | rollout vs 1 server | floor rollout | floor vs 1 server | strata peak RSS |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	for _, r := range runs {
		fmt.Fprintf(&b, "| %d | %s | %.2f | %s | %.2f | %.2fx | %s | %.2fx | %d MB |\n", r.servers,
			r.provision.took.Round(time.Millisecond), per(r.provision.took), r.rollout.took.Round(time.Millisecond), per(r.rollout.took),
			float64(r.rollout.took)/float64(runs[0].rollout.took), r.floor.Round(time.Millisecond), float64(r.floor)/float64(runs[0].floor),
			max(r.provision.maxRSS, r.rollout.maxRSS)/1024)
	}
	b.WriteString("\nOn this 2-core machine every server, strata and the floor share the same two cores: the servers add\n" +
		"parallel work, not CPU, so the fall is bounded by the cores (each server's work on its own host would not be).\n\n")
	return b.String()
}
