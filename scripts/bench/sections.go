package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// Sections of BENCHMARKS.md that other targets write (make bench-scale,
// make bench-servers) sit between these markers; make bench keeps them.
func sectionStart(name string) string { return "<!-- bench:" + name + " -->\n" }
func sectionEnd(name string) string   { return "<!-- /bench:" + name + " -->\n" }

var sectionRE = regexp.MustCompile(`(?s)<!-- bench:([a-z]+) -->\n.*?<!-- /bench:([a-z]+) -->\n`)

// keptSections are the marked sections of an existing BENCHMARKS.md.
func keptSections(doc string) []string {
	var out []string
	for _, m := range sectionRE.FindAllStringSubmatch(doc, -1) {
		if m[1] == m[2] {
			out = append(out, m[0])
		}
	}
	return out
}

// writeSection puts body as section name into file out: in place of the
// section when it is there, else before the closing notes (or at the end).
func writeSection(out, name, body string) error {
	sec := sectionStart(name) + body + sectionEnd(name)
	fmt.Println(sec)
	if out == "" {
		return nil
	}
	old, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("bench: %w", err)
	}
	doc := string(old)
	if i, j := strings.Index(doc, sectionStart(name)), strings.Index(doc, sectionEnd(name)); i >= 0 && j > i {
		doc = doc[:i] + sec + doc[j+len(sectionEnd(name)):]
	} else if k := strings.Index(doc, "Where the time goes"); k >= 0 {
		doc = doc[:k] + sec + "\n" + doc[k:]
	} else {
		doc += "\n" + sec
	}
	if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// machine describes where and with what the figures were measured (the
// strata binary's version), with the load average at the end of the run: on
// a shared machine other work skews every figure.
func machine(ctx context.Context, db *sql.DB, strata string) string {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	built := "strata ?"
	if out, err := exec.CommandContext(ctx, strata, "version").Output(); err == nil {
		built, _, _ = strings.Cut(string(out), "\n")
	}
	return fmt.Sprintf("%s, %d cores, %s RAM; MariaDB %s; %s %s/%s; %s; %s; load average at the end %s", cpuModel(), runtime.NumCPU(), memTotal(), version(ctx, db),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, built, time.Now().UTC().Format("2006-01-02 15:04 UTC"), load)
}

func variable(ctx context.Context, db *sql.DB, name string) string {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT @@"+name).Scan(&v); err != nil {
		return "?"
	}
	return v
}

// scaleSection is make bench-scale's part of BENCHMARKS.md: the tables of
// each size and how the per-tenant cost grows from the smallest to the
// largest fleet, with convergence, drift found and peak RSS.
func scaleSection(ctx context.Context, db *sql.DB, cfg config, reports []*report) string {
	var b strings.Builder
	b.WriteString("## make bench-scale\n\nWritten by `make bench-scale` (scripts/bench-scale.sh, not in CI): the same fixture on a private MariaDB\n" +
		"the script starts (own datadir and tmpdir, its own port), both sizes in one run, no peer.\n\n")
	fmt.Fprintf(&b, "Machine: %s. Server: table_definition_cache=%s, innodb_open_files=%s, innodb_buffer_pool_size=%s.\n\n",
		machine(ctx, db, cfg.strata), variable(ctx, db, "table_definition_cache"), variable(ctx, db, "innodb_open_files"), variable(ctx, db, "innodb_buffer_pool_size"))
	for _, r := range reports {
		b.WriteString(strings.Replace(r.table(), "### ", "#### ", 1))
		b.WriteString("\n")
	}
	if len(reports) == 0 {
		return b.String()
	}
	b.WriteString(growthTable(reports[0], reports[len(reports)-1]))
	b.WriteString(daemonTable(reports))
	return b.String()
}

// growthTable compares the per-tenant cost of every phase, its floor's and
// the daemon's commit between the smallest and the largest fleet.
func growthTable(small, large *report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### Per-tenant cost, N = %d -> N = %d (target: within 1.2x)\n\n| figure | N = %d | N = %d | ratio |\n|---|---:|---:|---:|\n",
		small.n, large.n, small.n, large.n)
	for i := range min(len(small.rows), len(large.rows)) {
		a, z := small.perTenant(small.rows[i].strata.took), large.perTenant(large.rows[i].strata.took)
		name := strings.SplitN(large.rows[i].scenario, ",", 2)[0]
		fmt.Fprintf(&b, "| %s, ms/tenant | %.2f | %.2f | %.2fx |\n", name, a, z, z/a)
		fa, fz := small.perTenant(small.rows[i].floor), large.perTenant(large.rows[i].floor)
		fmt.Fprintf(&b, "| %s, floor ms/tenant | %.2f | %.2f | %.2fx |\n", name, fa, fz, fz/fa)
		fmt.Fprintf(&b, "| %s, ratio to the floor | %.2fx | %.2fx | |\n", name, a/fa, z/fz)
	}
	if len(small.daemon) > 0 && len(large.daemon) > 0 {
		a, z := small.perTenant(small.daemon[0].took), large.perTenant(large.daemon[0].took)
		fmt.Fprintf(&b, "| the daemon's commit (one replica), ms/tenant | %.2f | %.2f | %.2fx |\n", a, z, z/a)
	}
	pct := func(r *report) string {
		return fmt.Sprintf("%.1f%% (%d of %d)", 100*float64(r.converged)/float64(r.n), r.converged, r.n)
	}
	fmt.Fprintf(&b, "| converged after the rollout (a plan finds them in sync) | %s | %s | |\n", pct(small), pct(large))
	fmt.Fprintf(&b, "| drift found | %d of %d | %d of %d | |\n", small.driftFound, small.driftWant, large.driftFound, large.driftWant)
	fmt.Fprintf(&b, "| strata peak RSS (largest of the phases; target < 300 MB) | %d MB | %d MB | %.2fx |\n\n",
		small.peakRSS(), large.peakRSS(), float64(large.peakRSS())/float64(max(small.peakRSS(), 1)))
	return b.String()
}

// daemonTable renders the daemon's commits (measureDaemon) for every size.
func daemonTable(reports []*report) string {
	var b strings.Builder
	b.WriteString("#### The daemon: a commit that adds a column to every tenant\n\n" +
		"Timed from the commit until the replicas have applied every tenant (their strata_reconciles_total; each tenant is recorded in the landlord first), " +
		"`strata run --poll 500ms`, the same --concurrency per replica; then every tenant must be recorded at the commit, with exactly one run for it. " +
		"Statements are all the server received meanwhile (tenants' and landlord's), each statement of a several-statement query counted (the pass's definitions come a hundred databases a query: 14 of a tenant's statements since 495325a), rows read are the landlord's (userstat).\n\n" +
		"| tenants | replicas | converged in | ms/tenant | statements/tenant | landlord rows read/tenant | tenants applied exactly once |\n|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range reports {
		for _, d := range r.daemon {
			fmt.Fprintf(&b, "| %d | %d | %s | %.2f | %.1f | %.1f | %d of %d |\n", r.n, d.replicas, d.took.Round(time.Millisecond), r.perTenant(d.took), d.queries, d.rowsRead, d.applied, r.n)
		}
	}
	return b.String() + "\n"
}
