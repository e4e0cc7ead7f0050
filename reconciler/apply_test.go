package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

var basicSQL = map[string]string{
	"basic/01_members.sql":  "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  email VARCHAR(190) NOT NULL,\n  PRIMARY KEY (id),\n  UNIQUE KEY members_email (email)\n);\n",
	"basic/02_settings.sql": "CREATE TABLE settings (\n  k VARCHAR(64) NOT NULL,\n  v TEXT NULL,\n  PRIMARY KEY (k)\n);\n",
}

var eventsSQL = map[string]string{
	"modules/events/01_events.sql": "CREATE TABLE events (\n  id INT NOT NULL AUTO_INCREMENT,\n  member_id INT NOT NULL,\n  title VARCHAR(200) NOT NULL,\n  PRIMARY KEY (id),\n  KEY events_member (member_id),\n  CONSTRAINT events_member_fk FOREIGN KEY (member_id) REFERENCES members (id)\n);\n",
}

// TestApplyConverges provisions a fleet from nothing, checks that a second
// apply changes nothing, and that adding a module, a custom column or a new
// tenant converges with only the expected statements.
func TestApplyConverges(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	events := layer(spec.LayerModule, "events", eventsSQL, nil)
	f.tenant("alpha", basic)
	f.tenant("beta", basic, events)

	res := f.apply(Options{Commit: "c1"})
	if res.ExitCode() != 0 {
		t.Fatalf("first apply exit %d: %+v", res.ExitCode(), res.Tenants)
	}
	for _, tr := range res.Tenants {
		if tr.Outcome != OutcomeConverged || !tr.Provisioned || len(tr.Statements) == 0 {
			t.Errorf("%s: outcome %s provisioned %v statements %d, want converged, provisioned, CREATE statements", tr.Name, tr.Outcome, tr.Provisioned, len(tr.Statements))
		}
		want := f.reference(f.fleet.Tenant(tr.Name))
		if got := f.live(tr.Database); got != want || !strings.Contains(got, "CREATE TABLE `members`") {
			t.Errorf("%s: live schema differs from its composition:\n%s\nwant:\n%s", tr.Name, got, want)
		}
	}

	// Idempotent: a second apply plans and runs nothing.
	again := f.apply(Options{Commit: "c1"})
	for _, tr := range again.Tenants {
		if tr.Outcome != OutcomeConverged || tr.Provisioned || len(tr.Statements) != 0 {
			t.Errorf("second apply %s: outcome %s provisioned %v statements %v, want nothing", tr.Name, tr.Outcome, tr.Provisioned, sqls(tr.Statements))
		}
	}
	if again.Plan.Summary.InSync != 2 {
		t.Errorf("second apply summary %+v, want 2 in sync", again.Plan.Summary)
	}

	// Landlord: both active at c1, with a run, a snapshot and credentials.
	store := f.store()
	for _, name := range []string{"alpha", "beta"} {
		rec, err := store.Tenant(f.ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != landlord.StatusActive || rec.LastAppliedCommit != "c1" || rec.LiveHash == "" || rec.DesiredHash != f.fleet.Tenant(name).LayerHash() {
			t.Errorf("%s record = %+v", name, rec)
		}
		runs, err := store.History(f.ctx, name, 10)
		// One run: the second, in-sync apply leaves no history row.
		if err != nil || len(runs) != 1 || runs[0].Outcome != landlord.RunConverged || len(runs[0].Statements) == 0 {
			t.Errorf("%s history = %+v, %v", name, runs, err)
		}
		sn, err := store.LatestSnapshot(f.ctx, name)
		if err != nil || sn.Hash != rec.LiveHash || sn.Tables == 0 {
			t.Errorf("%s snapshot = %+v, %v", name, sn, err)
		}
	}

	tests := []struct {
		name   string
		change func()
		tenant string
		want   []string // substrings, one per expected statement, in order
	}{
		{"add a module", func() { f.tenant("alpha", basic, events) }, "alpha", []string{"CREATE TABLE `events`"}},
		{"custom column", func() {
			f.tenant("beta", basic, events, layer(spec.LayerCustom, "beta", map[string]string{
				"tenants/beta/01_custom.sql": "ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL;",
			}, nil))
		}, "beta", []string{"ADD COLUMN `nickname` varchar(50)"}},
		{"new tenant", func() { f.tenant("gamma", basic) }, "gamma", []string{"CREATE TABLE `members`", "CREATE TABLE `settings`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			res := f.apply(Options{Commit: "c2"})
			for _, tr := range res.Tenants {
				if tr.Outcome != OutcomeConverged {
					t.Fatalf("%s: %s %s", tr.Name, tr.Outcome, tr.Error)
				}
				var want []string
				if tr.Name == tt.tenant {
					want = tt.want
				}
				got := sqls(tr.Statements)
				if len(got) != len(want) {
					t.Fatalf("%s ran %q, want %d statements like %q", tr.Name, got, len(want), want)
				}
				for i := range want {
					if !strings.Contains(got[i], want[i]) {
						t.Errorf("%s statement %d = %q, want it to contain %q", tr.Name, i, got[i], want[i])
					}
				}
			}
			tn := f.fleet.Tenant(tt.tenant)
			if got, want := f.live(tn.Database), f.reference(tn); got != want {
				t.Errorf("live schema of %s differs from its composition:\n%s\nwant:\n%s", tt.tenant, got, want)
			}
			if p, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || p.Summary.InSync != len(f.fleet.Tenants) {
				t.Errorf("plan after apply: %+v, %v", p.Summary, err)
			}
		})
	}
}

// TestPlanSelects checks tenant selection and that Plan changes nothing.
func TestPlanSelects(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	f.tenant("one", basic)
	f.tenant("two", basic)
	r := f.reconciler(Options{})
	p, err := r.Plan(f.ctx, []string{"two"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tenants) != 1 || p.Tenants[0].Name != "two" || p.Tenants[0].Action != planner.ActionCreate {
		t.Fatalf("plan = %+v", p.Tenants)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", f.prefix+"two"); n != 0 {
		t.Fatal("Plan created the tenant database")
	}
	if _, err := r.Plan(f.ctx, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "tenants/nope/tenant.yaml") {
		t.Fatalf("Plan(unknown) err = %v", err)
	}
	if _, err := r.Apply(f.ctx, []string{"nope"}); err == nil {
		t.Fatal("Apply(unknown) succeeded")
	}
}
