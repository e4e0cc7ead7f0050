package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is the figures of one fleet size.
type report struct {
	n, concurrency int
	rows           []row
	converged      int // tenants in sync after the rollout (bench-scale)
	driftFound     int // drifted tenants the sweep found, of driftWant
	driftWant      int
	daemon         []daemonRun // bench-scale: commits converged by strata run
}

type row struct {
	scenario string
	strata   run
	floor    time.Duration
	what     string  // what the floor measures
	target   float64 // the maximum ratio to the floor
	skeema   peer
}

func (r *report) add(scenario string, res run, floor time.Duration, what string, target float64, skeema peer) {
	// Logged as it comes: a long bench-scale run stopped early keeps its phases.
	slog.Info("measured", "tenants", r.n, "scenario", scenario, "strata", res.took, "floor", floor, "peak_rss_mb", res.maxRSS/1024)
	r.rows = append(r.rows, row{scenario, res, floor, what, target, skeema})
}

// peakRSS is strata's largest peak RSS over the scenarios, in MB.
func (r *report) peakRSS() int64 {
	var m int64
	for _, w := range r.rows {
		m = max(m, w.strata.maxRSS/1024)
	}
	return m
}

func (r *report) perTenant(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000 / float64(r.n)
}

// table renders the report as a Markdown table.
func (r *report) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### N = %d tenants, concurrency %d\n\n", r.n, r.concurrency)
	b.WriteString("| scenario | strata | ms/tenant | floor | floor ms/tenant | ratio | target | skeema ms/tenant | vs best peer | strata peak RSS | floor is |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, w := range r.rows {
		ratio := float64(w.strata.took) / float64(w.floor)
		verdict := "met"
		if ratio > w.target {
			verdict = "MISSED"
		}
		// The best peer is the fastest peer measured; Skeema is the only one.
		peerMS, vsPeer := w.skeema.note, "-"
		if w.skeema.note == "" {
			peerMS = fmt.Sprintf("%.2f", r.perTenant(w.skeema.took))
			vs := float64(w.strata.took) / float64(w.skeema.took)
			vsPeer = fmt.Sprintf("%.2fx (%s)", vs, map[bool]string{true: "ahead", false: "behind"}[vs <= 1])
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %.2f | %.2fx | <= %.1fx (%s) | %s | %s | %d MB | %s |\n",
			w.scenario, w.strata.took.Round(time.Millisecond), r.perTenant(w.strata.took),
			w.floor.Round(time.Millisecond), r.perTenant(w.floor), ratio, w.target, verdict, peerMS, vsPeer, w.strata.maxRSS/1024, w.what)
	}
	return b.String()
}

// markdown is BENCHMARKS.md: the machine, every table, and how the
// per-tenant cost grows between the smallest and largest fleet.
func markdown(ctx context.Context, db *sql.DB, cfg config, reports []*report, sections []string) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\nWritten by `make bench` (scripts/bench): the real strata binary against a real MariaDB,\n" +
		"each figure beside the floor measured in the same run. Rerun it to refresh this file.\n\n")
	fmt.Fprintf(&b, "Machine: %s.\n\n", machine(ctx, db, cfg.strata))
	b.WriteString("Tenant schema: the example `basic` layer and the `ngo` template's tables (11 tables with\n" +
		"foreign keys), seeds included. Targets are issue 14's: provision <= 1.2x its floor (which creates the users\n" +
		"and grants too), no-op, rollout and drift sweep <= 1.5x.\n" +
		"The rollout adds one column and one index to `users` (one ALTER for the floor).\n\n" +
		"Peer: Skeema 1.14.1 (scripts/install-skeema.sh builds it; \"skeema not installed\" otherwise) in its best setup on the\n" +
		"same fixture, on databases of its own: `skeema push` of the composed schema (SHOW CREATE TABLE of the floor's\n" +
		"databases) to empty databases (provision: no users, grants or seeds), of the in-sync fleet (no-op), and of one\n" +
		"column + one index (rollout); the fleet split over as many `skeema push` processes as strata has workers (its\n" +
		"concurrent-servers option only spreads over servers), each with its own temp schema, lint and verify off.\n" +
		"\"vs best peer\" is strata's time over the fastest peer's: below 1x strata is ahead.\n\n")
	for _, r := range reports {
		b.WriteString(r.table())
		b.WriteString("\n")
	}
	if len(reports) >= 2 {
		small, large := reports[0], reports[len(reports)-1]
		fmt.Fprintf(&b, "### Per-tenant cost, N = %d -> N = %d\n\n| scenario | ms/tenant at %d | ms/tenant at %d | growth |\n|---|---:|---:|---:|\n", small.n, large.n, small.n, large.n)
		for i := range min(len(small.rows), len(large.rows)) {
			a, z := small.perTenant(small.rows[i].strata.took), large.perTenant(large.rows[i].strata.took)
			fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2fx |\n", strings.SplitN(large.rows[i].scenario, ",", 2)[0], a, z, z/a)
		}
		b.WriteString("\n")
	}
	for _, sec := range sections {
		b.WriteString(sec)
		b.WriteString("\n")
	}
	b.WriteString(whereTimeGoes)
	return b.String()
}

// whereTimeGoes explains the figures; it holds no numbers of its own run.
const whereTimeGoes = `Where the time goes (measured while building this bench; the figures above vary +-30% on a
shared 2-core machine where MariaDB, strata and the floor share the same two cores):

- No-op plan: one pass per server plus a fixed ~100-150 ms (process start, loading and
  CUE-validating the repo, composing the one layer set in a scratch database); loading and
  validating grows with the fleet: 2.1-2.4 s for 10,000 tenants (strata validate, 2.2-3.0 s before
  f1352c0). The floor is the information_schema pass over every tenant, which the pass was until
  495325a: MariaDB opens every table once per query (7). The pass now reads the databases'
  definitions (SHOW CREATE, a hundred databases a query), which opens each table once, and
  fingerprints each distinct schema once, on one of its databases (reconciler/insync.go
  liveFingerprints): with one schema for the whole fleet, strata's no-op plan costs less than
  its floor. 1,000 tenants on a private server, old and new binaries alternating: 3.03/1.94/1.85 s
  -> 1.58/1.53/1.45 s, server CPU 3.73/2.39/2.25 s -> 1.42/1.42/1.26 s. The pass's cost measured
  there: the information_schema queries 2.4 ms of server CPU a database plus 0.15 s, the
  definitions 1.3 ms, a single-schema fingerprint 3 ms.
- Drift sweep: the same pass, the landlord's schema check at start-up (a composition of its own),
  one query for every tenant's last snapshot, then per drifted tenant an Atlas inspect, a score, a
  repair plan, a snapshot of the live schema and the landlord records.
- Rollout: no Atlas inspect (reconciler/fastpath.go). A tenant whose live fingerprint equals its
  last snapshot's is planned from that snapshot's composition, verified by its definitions (SHOW
  CREATE DATABASE, SHOW FULL TABLES and each table's SHOW CREATE TABLE, one multi-statement query)
  against the desired composition's, and snapshotted from the composition. Per tenant: the lock and
  its release, 1 landlord read (the record with its newest run, Store.TenantState, since 55ab9dc;
  2 before), 2 write transactions of one round trip each (landlord.Store.Batch: the final record
  since 1d72849, the one before the ALTER since 4887110, which stands in for the run's id until
  the batch is sent; 4 round trips before), the verifying query, a new connection as the tenant's
  migrator and its ALTER: 9 round trips, 13 before 4887110 (socket writes counted with strace,
  100 tenants: 13.0 a tenant, 17.0 before 4887110, 27.0 before ea2be84; provisioning 50.5, 53.5
  before 4887110, 83.6 before ea2be84). Wall-clock A/B of the last two steps, 300 tenants on a
  private server, old and new binaries alternating: within this machine's noise (rollout medians
  4.09 -> 3.59 s in one series of 3, 3.66 -> 3.91 s in the next). Until ea2be84 the
  verification was a 7-query single-schema fingerprint: each information_schema query lists the
  database's directory and opens its tables again, where SHOW CREATE TABLE reads the cached
  definition (server CPU for an 11-table tenant, idle server: 3.3 ms against 0.8). A/B of the two
  on a private server, 300 tenants, a fresh fleet each round: rollout 3.25 -> 2.61 s (median of 3),
  server CPU 3.02 -> 2.25 s; one round trip instead of 13 (ba505ac) a further 4.08/5.79/2.87 ->
  3.12/3.23/2.68 s on a noisy machine. The database, users, grants, credentials and seed runs are the pass's bulk reads since
  114808c (2 queries per server, 2 for the landlord), which stand for a tenant no run touched since
  the pass; they were 5 queries a tenant (3 provisioning checks, credentials, seed runs), and
  provisioning checks took 2.6-2.9 ms of worker time (debug log, N = 300, concurrency 4, private
  server; lock 0.7-0.9 ms, record 0.4-0.5, compose 0.7-1.1, plan 0.8-1.0, the ALTER with its
  records 16.8-18.3, verification 8.1-10.3, seeds check 0.6). An A/B of the old and new binaries
  (200 tenants, private server, alternating): 18.8 against 18.1 ms a tenant.
- No-op apply: the plan's pass, then per tenant the lock and its release, the record with its
  newest run (one query since 55ab9dc), the record written: 4 queries
  (TestInSyncApplyQueriesPerTenant; 5 before 55ab9dc, 9.7 before 114808c). 2,000
  in-sync tenants on a private server, old and new binaries alternating: 8.2 and 8.8 s against 6.5
  and 7.4 s; the plan of the same fleet took about 5 s.
- The rollout is CPU-bound on 2 cores. At N = 300 on a private server, MariaDB spent 9.6-10.9 ms of
  CPU per tenant for strata against 2.6-4.4 for the floor's ALTERs, and strata's own process 3.5-4.2
  (its start, loading and validating 300 tenants included). perf of the server during strata's
  rollout: the ALTERs 30%, information_schema (the bulk pass and each tenant's verifying
  fingerprint) 18%, other SELECTs 12% (landlord reads, mysql.user and mysql.db; MariaDB's mysql.user
  is a view that cost 344 us of server CPU a query against 88 for mysql.global_priv, read since
  6e47a71), parsing 6-7%,
  commits, inserts and updates 5%, the server's background threads 16-18% (before ea2be84). With the
  verification by definitions (perf, N = 300, before 495325a): the ALTERs 40%, the bulk pass 11%, SHOW CREATE 6%,
  parsing 5-6%, the network 5%, the kernel's task switches 16% (fsync waits and round trips).
  Verifying only the tables the plan touched would save a little more, but a change by hand to
  another table between the bulk pass and the lock would then go unseen (TestCachedPlanFindsLateDrift).
  More workers do not help: --concurrency 8 took as long as 4 and cost the server more CPU. Reaching
  1.5x would take the pass out of the rollout's path or verifying a wave's tenants at once, which
  changes when a tenant's lock is released; the safety model does not allow it yet. Measured since
  (1,000 tenants, private server, caches sized): the tenants' part of the rollout is 1.47x the
  floor (6.83 s against 4.66, each ALTER as long as the floor's); the 0.9 s before the first tenant
  (validating the config, the pass) makes the rest. Reading the pass in blocks of 100 tenants while
  the tenants before them were applied gained nothing (old/new alternating 4 times: +0.03 s on
  12-14 s): the server is the bottleneck, and the reads moved next to the ALTERs slowed them as much.
  Eight tenants in flight with four statements at once: 40-55% more server CPU, 15-20% slower.
- Daemon: its loop runs dispatch after every finished tenant. Until 4888440 dispatch sorted every
  due tenant and asked of each whether its server was held: at 10,000 tenants the loop's own work
  was 2.8-2.9 ms a tenant (BenchmarkFirstPass in reconciler/daemon, fake engine), and the daemon's
  commit took 19.1 ms a tenant against 12.1 at 1,000. It now keeps only the first --concurrency
  due tenants as it scans: 0.48-0.53 ms a tenant at 10,000. What still grows with the fleet is one
  scan of the tenants per dispatch and one per finish for the gauges (refreshGauges), about a
  quarter of a millisecond each at 10,000. Each --shard replica's pass read the whole fleet's newest
  runs and snapshots until dc7f128 (34 landlord rows a tenant with two replicas); it now reads its
  shard's: 25 (the daemon table above, 21 with one replica).
- Provision: the same fast path (a database this run created is planned from nothing, once per
  composition, and verified by fingerprint); its statements go on record together before the first
  runs (reconciler/steps.go recordAhead). Worker time per tenant at concurrency 4 (N = 300, private
  server): the 10 CREATE TABLE with their records 62-69 ms (86-91 when each was recorded in a
  transaction of its own), seeds 25-27 ms (the marker table 4, then per seed file a transaction of
  about 4 ms and its record; since 114808c an apply's seed files share one transaction and one
  marker insert: 48.0 against 45.7 ms a tenant in an old/new A/B of 200 tenants), database, users,
  grants and sealed credentials 12-13 ms, verification 11-13 ms (8-9 by definitions, since ea2be84).
  Seeds, the verification and the landlord records are what the floor does not pay. perf of the
  server while strata provisions: CREATE TABLE 51%, most of it fsync (the floor's too); the seeds'
  marker table is one CREATE TABLE more than the floor's. The outcomes of a provisioning's
  statements are one UPDATE since ca75e01 (ten before), and the seeds no longer flush the landlord
  before they run when the run is on record.
- Users: CREATE USER makes MariaDB search every grant table and list for the new name, so its cost
  grows with the users the server holds: server CPU per user 1.03 ms with 2,000 users, 4.63 ms with
  10,000 (300 statements each, private server, one run), plus 0.30 / 0.97 ms for its GRANT. That
  was most of provisioning's growth from 1,000 to 10,000 tenants (1.47x a tenant, its floor 1.31x).
  Since 6e47a71 strata creates each user by its GRANT (SET STATEMENT sql_mode = '' FOR GRANT ...
  IDENTIFIED BY), which skips the search: 0.57 / 2.07 ms for both, and the floor does the same.
  Provisioning's cost per tenant at 10,000 is now 0.91x its cost at 1,000 (floor 0.99x).
- Growth of the no-op and the drift sweep: in the bench-scale run above the information_schema pass
  alone (their floor) cost 2.6x more a tenant at 10,000 than at 1,000 and 2.0x for the sweep's
  floor; strata's own share shrinks with the fleet (ratio to the floor 1.47x -> 1.20x and
  1.21x -> 1.15x). What grows is the server's work for the pass itself (it opens every table it
  reports; this machine's file-descriptor limit caps innodb_open_files at 16,000 for some 110,000
  tables), not strata's.
`

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	var kb int64
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "MemTotal:") {
			fmt.Sscan(strings.TrimPrefix(l, "MemTotal:"), &kb)
		}
	}
	return fmt.Sprintf("%.0f GB", float64(kb)/1024/1024)
}

func version(ctx context.Context, db *sql.DB) string {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "?"
	}
	return v
}
