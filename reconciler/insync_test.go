package reconciler

import (
	"fmt"
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// TestInSyncFleetPlansWithoutInspects: an applied fleet is planned from one
// fingerprint pass, with no per-tenant Atlas inspect, and any single altered
// tenant (by a changed attribute or a hand-made table) is still planned in
// full and found.
func TestInSyncFleetPlansWithoutInspects(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	events := layer(spec.LayerModule, "events", eventsSQL, nil)
	const n = 6
	for i := range n {
		if i%2 == 0 {
			f.tenant(fmt.Sprintf("t%d", i), basic)
		} else {
			f.tenant(fmt.Sprintf("t%d", i), basic, events)
		}
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
	}

	r := f.reconciler(Options{})
	p, err := r.Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.InSync != n || r.FullPlans() != 0 {
		t.Fatalf("in-sync fleet: %d in sync of %d, %d full plans; want %d and 0", p.Summary.InSync, n, r.FullPlans(), n)
	}

	// The hand changes below are drift under strategy report: plan shows
	// their repairs withheld, as apply then leaves them (blocked).
	tests := []struct {
		name   string
		alter  string // %s is the database
		undo   string
		action planner.Action
		object string // an unmanaged object the plan must report, if any
	}{
		{"column type", "ALTER TABLE `%s`.members MODIFY email VARCHAR(100) NOT NULL", "ALTER TABLE `%s`.members MODIFY email VARCHAR(190) NOT NULL", planner.ActionBlocked, ""},
		{"nullability", "ALTER TABLE `%s`.settings MODIFY v TEXT NOT NULL", "ALTER TABLE `%s`.settings MODIFY v TEXT NULL", planner.ActionBlocked, ""},
		{"index dropped", "ALTER TABLE `%s`.members DROP INDEX members_email", "ALTER TABLE `%s`.members ADD UNIQUE KEY members_email (email)", planner.ActionBlocked, ""},
		{"hand-made table", "CREATE TABLE `%s`.notes (id INT PRIMARY KEY)", "DROP TABLE `%s`.notes", planner.ActionNone, "TABLE notes"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			victim := f.fleet.Tenants[i%n]
			f.exec(fmt.Sprintf(tc.alter, victim.Database))
			defer f.exec(fmt.Sprintf(tc.undo, victim.Database))
			before := r.FullPlans()
			p, err := r.Plan(f.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.FullPlans() - before; got != 1 {
				t.Errorf("%d full plans, want 1 (only the altered tenant)", got)
			}
			for _, tp := range p.Tenants {
				if tp.Name != victim.Name {
					if tp.Action != planner.ActionNone {
						t.Errorf("%s: %s, want none", tp.Name, tp.Action)
					}
					continue
				}
				if tp.Action != tc.action {
					t.Errorf("%s: %s %v, want %s", tp.Name, tp.Action, tp.Statements, tc.action)
				}
				if tc.object != "" && (len(tp.Unmanaged) != 1 || tp.Unmanaged[0].Object != tc.object) {
					t.Errorf("%s: unmanaged %+v, want %s", tp.Name, tp.Unmanaged, tc.object)
				}
			}
		})
	}
}
