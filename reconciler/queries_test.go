package reconciler

import (
	"fmt"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// TestInSyncPlanQueriesConstant: planning an in-sync fleet costs the same
// number of server queries at 2 tenants as at 8: one bulk pass per server
// and nothing per tenant but its definitions, read a hundred databases a
// query (privateQueries, checkShows). (The reactivation check read each tenant's app
// account twice, two queries per tenant on every plan and apply.) The
// fleet has a private server of its own, so its counter is strata's.
func TestInSyncPlanQueriesConstant(t *testing.T) {
	f, p := privateFleet(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	var shows [2]int64
	questions := func(n int) int64 {
		f.convergedFleet(n, basic)
		r := f.reconciler(Options{})
		before, showsBefore := privateQueries(t, p)
		plan, err := r.Plan(f.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Summary.InSync != n {
			t.Fatalf("plan of %d applied tenants: %+v, want all in sync", n, plan.Summary)
		}
		after, showsAfter := privateQueries(t, p)
		shows[min(n/8, 1)] = showsAfter - showsBefore
		return after - before
	}
	small, large := questions(2), questions(8)
	t.Logf("plan of an in-sync fleet: %d queries at 2 tenants, %d at 8; SHOW statements %d and %d", small, large, shows[0], shows[1])
	f.checkShows(p, shows, 1)
	// A query per tenant would add 6; a stray one (a driver's retry on a
	// bad idle connection under load) is not per tenant.
	if large-small >= 6 {
		t.Errorf("plan of an in-sync fleet: %d queries at 2 tenants, %d at 8: want no query per tenant", small, large)
	}
}

// privateFleet is a fixture whose one server (tenants, landlord and dev
// database) is a private mariadbd: its counters count strata's queries alone.
func privateFleet(t *testing.T) (*fixture, *dbtest.Private) {
	if testing.Short() {
		t.Skip("starts a private mariadbd")
	}
	p := dbtest.StartPrivate(t)
	f := newFixture(t)
	f.fleet.Config.Servers = map[string]spec.Server{"main": {Name: "main", DSN: p.DSN}}
	return f, p
}

// convergedFleet adds tenants of layer l until the fleet has n and applies it.
func (f *fixture) convergedFleet(n int, l *spec.Layer) {
	f.t.Helper()
	for i := len(f.fleet.Tenants); i < n; i++ {
		f.tenant(fmt.Sprintf("t%d", i), l)
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		f.t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
	}
}

// privateStatus reads a global status counter of a private server.
func privateStatus(t *testing.T, p *dbtest.Private, name string) int64 {
	t.Helper()
	db := p.Open()
	defer db.Close()
	var n string
	var v int64
	if err := db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// privateQueries reads the private server's Questions, split into the
// statements of definitions reads (shows: SHOW CREATE DATABASE, SHOW FULL
// TABLES, SHOW CREATE TABLE), which the pass sends a hundred databases a
// query (snapshot.ReadMany) though the server counts them one by one, and
// the others (queries).
func privateQueries(t *testing.T, p *dbtest.Private) (queries, shows int64) {
	t.Helper()
	for _, show := range []string{"Com_show_create_db", "Com_show_tables", "Com_show_create_table"} {
		shows += privateStatus(t, p, show)
	}
	return privateStatus(t, p, "Questions") - shows, shows
}

// checkShows fails t unless a pass reads each tenant's definitions once at
// most (2 statements and one a table) in the passes made meanwhile: shows
// is the SHOW statements counted at 2 tenants and at 8, over passes.
func (f *fixture) checkShows(p *dbtest.Private, shows [2]int64, passes int) {
	f.t.Helper()
	db := p.Open()
	defer db.Close()
	var tables int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE table_schema = ? AND table_name NOT LIKE '\\_strata\\_%'", f.fleet.Tenants[0].Database).Scan(&tables); err != nil {
		f.t.Fatal(err)
	}
	if per, want := float64(shows[1]-shows[0])/6, float64(passes*(tables+2)); tables == 0 || per > want {
		f.t.Errorf("%.1f SHOW statements a tenant in %d passes of %d-table tenants, want at most %.0f (each tenant's definitions read once a pass)", per, passes, tables, want)
	}
}

// TestLandlordWritesPerTenant: a tenant's landlord records reach the disk in
// few transactions (records.go). Six log writes per tenant for a
// one-statement rollout (run, statement running, its outcome, snapshot,
// tenant, run closed) are two now: the run with the statement recorded
// running before it runs, and everything else with the tenant's final
// record. The landlord has a private server of its own, so its log writes
// are strata's landlord writes; workers run one tenant at a time, so no
// flush serves two tenants.
func TestLandlordWritesPerTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private mariadbd")
	}
	ll := dbtest.StartPrivate(t)
	f := newFixture(t)
	f.fleet.Config.Servers["ll"] = spec.Server{Name: "ll", DSN: ll.DSN}
	f.fleet.Config.Landlord.Server = "ll"
	const n = 4
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	for i := range n {
		f.tenant(fmt.Sprintf("t%d", i), basic)
	}
	apply := func(what string) float64 {
		before := privateStatus(t, ll, "Innodb_log_writes")
		res := f.apply(Options{Concurrency: 1})
		if res.ExitCode() != 0 {
			t.Fatalf("%s: exit %d: %+v", what, res.ExitCode(), res.Tenants)
		}
		per := float64(privateStatus(t, ll, "Innodb_log_writes")-before) / n
		t.Logf("%s: %.1f landlord log writes per tenant", what, per)
		return per
	}
	apply("provision") // the landlord's own schema is created here too
	rollout := layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil)
	for i := range n {
		f.tenant(fmt.Sprintf("t%d", i), rollout)
	}
	// Two per tenant, and slack for the server's own once-a-second flush.
	if per := apply("rollout of one statement"); per > 3 {
		t.Errorf("rollout of one statement: %.1f landlord log writes per tenant, want at most 3", per)
	}
}

// TestInSyncApplyQueriesPerTenant: an apply of a provisioned, in-sync
// tenant asks the server and the landlord only for its lock, its record
// with its newest run (one query since TenantState; 5.0 a tenant before),
// and writes its record: its users, grants, credentials, database and seed
// runs are the pass's bulk reads (accounts.go). They were five more queries
// per tenant on every apply. Tenants and landlord share a private server,
// so its counter is strata's.
func TestInSyncApplyQueriesPerTenant(t *testing.T) {
	f, p := privateFleet(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, map[string]string{"basic/seed/01.sql": "INSERT INTO members (email) VALUES ('admin@example.org');"})
	var shows [2]int64
	questions := func(n int) int64 {
		f.convergedFleet(n, basic)
		before, showsBefore := privateQueries(t, p)
		res := f.apply(Options{})
		for _, tr := range res.Tenants {
			if tr.Outcome != OutcomeConverged || len(tr.Statements)+len(tr.Seeds) != 0 {
				t.Fatalf("apply of an in-sync tenant: %s %q statements %d seeds %v", tr.Outcome, tr.Error, len(tr.Statements), tr.Seeds)
			}
		}
		after, showsAfter := privateQueries(t, p)
		shows[min(n/8, 1)] = showsAfter - showsBefore
		return after - before
	}
	small, large := questions(2), questions(8)
	per := float64(large-small) / 6
	t.Logf("apply of an in-sync fleet: %d queries at 2 tenants, %d at 8: %.1f a tenant; SHOW statements %d and %d", small, large, per, shows[0], shows[1])
	f.checkShows(p, shows, 2) // f.apply plans, then applies
	if per > 5 {
		t.Errorf("apply of an in-sync fleet: %.1f queries a tenant, want at most 5 (4: lock and release, record and newest run read, record written)", per)
	}
}
