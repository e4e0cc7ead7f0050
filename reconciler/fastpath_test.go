package reconciler

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// nickSQL adds a column to every tenant of the basic layer: an additive rollout.
var nickSQL = map[string]string{"basic/03_nick.sql": "ALTER TABLE members ADD COLUMN nick VARCHAR(50) NULL;\n"}

// TestRolloutFastPath: provisioning, then an additive rollout to tenants at their last snapshot
// runs with no Atlas inspect (planned from the snapshot's composition,
// verified by fingerprint, snapshotted from the composition), and leaves
// each live schema equal to its layers run by hand, recorded statement by
// statement, with a snapshot equal to what MariaDB shows for the tenant.
func TestRolloutFastPath(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	events := layer(spec.LayerModule, "events", eventsSQL, nil)
	f.tenant("a", basic)
	f.tenant("b", basic)
	f.tenant("c", basic, events)
	// Databases this run creates are empty: planned from nothing.
	r := f.reconciler(Options{Commit: "c1"})
	if res := f.applyWith(r); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	if n := r.FullPlans(); n != 0 {
		t.Errorf("%d Atlas inspects to provision, want 0", n)
	}
	for _, tn := range f.fleet.Tenants {
		if live, want := f.live(tn.Database), f.reference(tn); live != want {
			t.Errorf("%s: provisioned schema differs from its layers run by hand:\n%s\nwant:\n%s", tn.Name, live, want)
		}
	}

	rollout := layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil)
	f.tenant("a", rollout)
	f.tenant("b", rollout)
	f.tenant("c", rollout, events)
	r = f.reconciler(Options{Commit: "c2"})
	res := f.applyWith(r)
	if res.ExitCode() != 0 {
		t.Fatalf("rollout: exit %d: %+v", res.ExitCode(), res.Tenants)
	}
	if n := r.FullPlans(); n != 0 {
		t.Errorf("%d Atlas inspects for an additive rollout at the last snapshot, want 0", n)
	}
	store := f.store()
	for _, tr := range res.Tenants {
		tn := f.fleet.Tenant(tr.Name)
		if got := sqls(tr.Statements); len(got) != 1 || !strings.Contains(got[0], "ADD COLUMN `nick` varchar(50)") || tr.Statements[0].Outcome != landlord.StatementApplied {
			t.Errorf("%s ran %q, want one applied ADD COLUMN nick", tr.Name, got)
		}
		live := f.live(tn.Database)
		if want := f.reference(tn); live != want {
			t.Errorf("%s: live schema differs from its layers run by hand:\n%s\nwant:\n%s", tr.Name, live, want)
		}
		runs, err := store.History(f.ctx, tr.Name, 1)
		if err != nil || len(runs) != 1 || runs[0].Outcome != landlord.RunConverged || len(runs[0].Statements) != 1 {
			t.Errorf("%s newest run = %+v, %v", tr.Name, runs, err)
		}
		sn, err := store.LatestSnapshot(f.ctx, tr.Name)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fingerprint.Schema(f.ctx, f.db, tn.Database)
		if err != nil {
			t.Fatal(err)
		}
		if sn.DDL != live || sn.Fingerprint != fp || sn.RunID != runs[0].ID || sn.Commit != "c2" {
			t.Errorf("%s snapshot (run %d, commit %s) is not the live schema:\n%s\nlive:\n%s", tr.Name, sn.RunID, sn.Commit, sn.DDL, live)
		}
	}
	// An independent full plan agrees: nothing left to do.
	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil || p.Summary.InSync != 3 {
		t.Errorf("plan after the rollout: %+v, %v", p.Summary, err)
	}
}

// TestFastPathFallsBack: a tenant the fingerprints cannot vouch for is
// planned with an Atlas inspect, alone; the others still take the fast path.
func TestFastPathFallsBack(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture, victim *spec.Tenant)
	}{
		{"changed by hand since its snapshot", func(f *fixture, v *spec.Tenant) {
			f.exec("ALTER TABLE " + ident.Quote(v.Database) + ".settings ADD COLUMN hand INT NULL")
		}},
		{"a run left running by a killed strata", func(f *fixture, v *spec.Tenant) {
			if _, err := f.store().StartRun(f.ctx, v.Name, "killed", 0); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"its last apply failed", func(f *fixture, v *spec.Tenant) {
			f.exec("UPDATE "+ident.Quote(f.fleet.Config.Landlord.Database)+".tenants SET status = ? WHERE name = ?", landlord.StatusFailed, v.Name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
			f.tenant("a", basic)
			f.tenant("b", basic)
			if res := f.apply(Options{}); res.ExitCode() != 0 {
				t.Fatalf("provision: %+v", res.Tenants)
			}
			tt.setup(f, f.fleet.Tenant("b"))
			rollout := layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil)
			f.tenant("a", rollout)
			f.tenant("b", rollout)
			r := f.reconciler(Options{})
			res := f.applyWith(r)
			for _, tr := range res.Tenants {
				// b changed by hand stays drifted under strategy report, but
				// gets the spec's column all the same.
				if got := sqls(tr.Statements); len(got) == 0 || !strings.Contains(got[0], "`nick`") || tr.Statements[0].Outcome != landlord.StatementApplied ||
					(tr.Name == "a" && tr.Outcome != OutcomeConverged) {
					t.Errorf("%s: %s %s %q", tr.Name, tr.Outcome, tr.Error, got)
				}
			}
			// b's plan, and its verification when its hand change remains.
			if n := r.FullPlans(); n < 1 || n > 2 {
				t.Errorf("%d Atlas plans, want 1 or 2 (tenant b only)", n)
			}
		})
	}
}

// TestFastPathOnlyAdditive: a plan with a destructive statement is never
// taken from the snapshot's composition.
func TestFastPathOnlyAdditive(t *testing.T) {
	f := newFixture(t)
	f.tenant("a", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	tn := f.tenant("a", layer(spec.LayerBasic, "basic", basicSQL, nil))
	tn.Approve.Destructive = []string{"DROP COLUMN members.nick"}
	r := f.reconciler(Options{})
	res := f.applyWith(r)
	if res.ExitCode() != 0 {
		t.Fatalf("apply: %+v", res.Tenants)
	}
	if got := sqls(res.Tenants[0].Statements); len(got) != 1 || !strings.Contains(got[0], "DROP COLUMN `nick`") {
		t.Errorf("ran %q, want the approved DROP COLUMN", got)
	}
	if n := r.FullPlans(); n != 1 {
		t.Errorf("%d Atlas inspects, want 1: a destructive plan is made from the live schema", n)
	}
}

// TestFreshSincePass: a run started on the tenant after the newest runs were
// read (another strata applied it between the pass and the lock) makes the
// pass stale; so does a run that was still running when they were read.
func TestFreshSincePass(t *testing.T) {
	f := newFixture(t)
	f.tenant("a", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	r := f.reconciler(Options{})
	store := f.store()
	fresh := func() bool {
		runs, err := store.LastRuns(f.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := &job{r: r, pass: &Pass{r: r, runs: runs}, t: f.fleet.Tenant("a"), log: slog.New(slog.DiscardHandler)}
		return j.freshSincePass(f.ctx)
	}
	if !fresh() {
		t.Fatal("nothing ran since the read, yet the pass is stale")
	}
	runs, err := store.LastRuns(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.StartRun(f.ctx, "a", "other", 0)
	if err != nil {
		t.Fatal(err)
	}
	j := &job{r: r, pass: &Pass{r: r, runs: runs}, t: f.fleet.Tenant("a"), log: slog.New(slog.DiscardHandler)}
	if j.freshSincePass(f.ctx) {
		t.Error("a run started after the read, yet the pass is fresh")
	}
	if fresh() {
		t.Error("the newest run is still running, yet the pass is fresh")
	}
	if err := store.FinishRun(f.ctx, id, landlord.RunConverged, ""); err != nil {
		t.Fatal(err)
	}
	if !fresh() {
		t.Error("the run finished before the read, yet the pass is stale")
	}
}

// TestInSyncApplyKeepsOneSnapshot: applying an in-sync tenant again records
// no copy of the snapshot it already has; a change records a new one.
func TestInSyncApplyKeepsOneSnapshot(t *testing.T) {
	f := newFixture(t)
	f.tenant("a", layer(spec.LayerBasic, "basic", basicSQL, nil))
	snapshots := func() int {
		return f.count("SELECT COUNT(*) FROM "+ident.Quote(f.fleet.Config.Landlord.Database)+".snapshots WHERE tenant = ?", "a")
	}
	for i, want := range []int{1, 1, 1} {
		if res := f.apply(Options{}); res.ExitCode() != 0 {
			t.Fatalf("apply %d: %+v", i, res.Tenants)
		}
		if got := snapshots(); got != want {
			t.Fatalf("after apply %d: %d snapshots, want %d", i+1, got, want)
		}
	}
	f.tenant("a", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("rollout: %+v", res.Tenants)
	}
	if got := snapshots(); got != 2 {
		t.Errorf("after a change: %d snapshots, want 2", got)
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestFastPathKeepsAutoIncrement: a layer that declares a table's
// AUTO_INCREMENT start must never lower the live counter. Snapshots strip
// counters, so a plan from the snapshot's composition would "raise" the
// counter to the declared start on the next ALTER of that table, resetting
// it below ids already used.
func TestFastPathKeepsAutoIncrement(t *testing.T) {
	f := newFixture(t)
	withStart := map[string]string{"basic/01_members.sql": strings.Replace(basicSQL["basic/01_members.sql"], ");\n", ") AUTO_INCREMENT = 50;\n", 1)}
	tn := f.tenant("a", layer(spec.LayerBasic, "basic", merge(basicSQL, withStart), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	members := ident.Quote(tn.Database) + ".members"
	f.exec("INSERT INTO " + members + " (id, email) VALUES (1000, 'old@example.org')")
	f.exec("DELETE FROM " + members + " WHERE id = 1000") // the counter stays at 1001

	tn = f.tenant("a", layer(spec.LayerBasic, "basic", merge(basicSQL, withStart, nickSQL), nil))
	res := f.apply(Options{})
	if res.ExitCode() != 0 {
		t.Fatalf("rollout: %+v", res.Tenants)
	}
	if got := sqls(res.Tenants[0].Statements); len(got) != 1 || strings.Contains(got[0], "AUTO_INCREMENT") || !strings.Contains(got[0], "ADD COLUMN `nick`") {
		t.Errorf("ran %q, want only ADD COLUMN nick", got)
	}
	r, err := f.db.ExecContext(f.ctx, "INSERT INTO "+members+" (email) VALUES ('new@example.org')")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := r.LastInsertId(); err != nil || id != 1001 {
		t.Errorf("next id after the rollout = %d (%v), want 1001: the counter was lowered and ids get reused", id, err)
	}
}

// TestInSyncNeedsFreshPass: a tenant the bulk pass found in sync is not
// taken as in sync when another strata ran on it between the pass and our
// lock: it is planned in full and verified, and what that run changed is
// converged.
func TestInSyncNeedsFreshPass(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("a", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	r := f.reconciler(Options{})
	store, err := r.Landlord(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Our run: the newest runs, then the pass, which finds a in sync.
	runs, err := store.LastRuns(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	live := r.readLive(f.ctx, []*spec.Tenant{tn})
	if live.baselines, err = store.Baselines(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Another strata, at an older commit, takes the lock first and drops
	// the column (its spec approved that).
	id, err := store.StartRun(f.ctx, "a", "older", 0)
	if err != nil {
		t.Fatal(err)
	}
	drop := "ALTER TABLE " + ident.Quote(tn.Database) + ".members DROP COLUMN nick"
	f.exec(drop)
	// Recorded as strata records its statements: its own change, not drift.
	if err := store.AddStatement(f.ctx, id, landlord.StatementRecord{Seq: 1, SQL: drop, Kind: "destructive", Outcome: landlord.StatementApplied, Objects: []string{"column members.nick"}}); err != nil {
		t.Fatal(err)
	}
	if err := store.FinishRun(f.ctx, id, landlord.RunConverged, ""); err != nil {
		t.Fatal(err)
	}

	tr, _ := (&Pass{r: r, live: live, runs: runs}).applyTenant(f.ctx, tn)
	if got := sqls(tr.Statements); tr.Outcome != OutcomeConverged || len(got) != 1 || !strings.Contains(got[0], "ADD COLUMN `nick`") {
		t.Errorf("%s %s, ran %q: want the dropped column added back", tr.Outcome, tr.Error, got)
	}
	if got, want := f.live(tn.Database), f.reference(tn); got != want {
		t.Errorf("live schema after apply:\n%s\nwant:\n%s", got, want)
	}
}

// TestSharedPlanPerServer: a plan the fast path shares is made by each
// server's own planner, never reused from another server's.
func TestSharedPlanPerServer(t *testing.T) {
	f := newFixture(t)
	f.fleet.Config.Servers["eu"] = spec.Server{Name: "eu", DSN: dbtest.DSN(t)}
	tn := f.tenant("a", layer(spec.LayerBasic, "basic", basicSQL, nil))
	r := f.reconciler(Options{})
	desired, err := r.compose(f.ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]int{}
	for _, name := range []string{"main", "eu", "main"} {
		s, err := r.server(name)
		if err != nil {
			t.Fatal(err)
		}
		tp := r.sharedPlan(f.ctx, s, "empty", func(context.Context) (*layers.Desired, error) {
			made[name]++
			return &layers.Desired{Schema: &schema.Schema{}}, nil
		}, desired)
		if tp == nil || len(tp.Statements) != 2 {
			t.Fatalf("plan on %s: %+v, want the two CREATE TABLEs", name, tp)
		}
	}
	if made["main"] != 1 || made["eu"] != 1 {
		t.Errorf("plans made per server: %v, want one each (cached per server)", made)
	}
}
