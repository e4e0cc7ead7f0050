package reconciler

import (
	"context"
	"fmt"
	"strings"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/spec"
)

// driftMarks is what a tenant's drift strategy decided about its plan.
type driftMarks struct {
	// drift is what the tenant's live schema drifted by since its last
	// snapshot; nil without drift (or none that could be found).
	drift *TenantDrift
	// strategy is the tenant's drift strategy; "" without drift.
	strategy spec.DriftStrategy
	// objects are the drifted objects (driftedObjects); nil under strict.
	objects map[string]bool
}

// reportOnly reports whether the tenant drifted under strategy report: no
// repair runs and no new snapshot is taken (it would hide the drift).
func (m driftMarks) reportOnly() bool { return m.strategy == spec.DriftReport }

// withholds reports whether the strategy keeps st from running: it touches
// a drifted object, and the strategy is report, or conservative and st is
// not additive.
func (m driftMarks) withholds(st planner.Statement) bool {
	if m.objects == nil || !touches(m.objects, st.Objects) {
		return false
	}
	return m.strategy == spec.DriftReport || st.Kind != planner.Additive
}

// markDrift applies t's drift strategy to p when t drifted since its last
// apply (its live fingerprint differs from its last snapshot's):
//   - report (the default) repairs nothing: every statement that touches a
//     table, column, index, key or check the drift names is withheld (Atlas
//     merges a spec change and a repair of the same table into one ALTER,
//     so the statement's objects, not its intent, decide), other spec
//     changes still run;
//   - conservative runs, of the statements that touch drifted objects, only
//     the additive ones;
//   - strict runs the plan as approvals allow, like a tenant without drift.
//
// Objects that strata's own statements since the snapshot changed are not
// drift (drift_own.go). Unmanaged tables are never dropped by any strategy
// without approval: the planner already keeps them out of the plan. A drift
// that cannot be checked fails the plan.
func (r *Reconciler) markDrift(ctx context.Context, s *server, t *spec.Tenant, v planView, p *planned) {
	b, ok := v.live.baselines[t.Name]
	fp, exists := v.live.fingerprint(t)
	// A database dropped by hand is provisioned again; the sweep reports it.
	if !ok || !exists || b.Fingerprint == "" || fp == b.Fingerprint {
		return
	}
	td := r.detect(ctx, TenantDrift{Name: t.Name, Database: t.Database, Server: t.Server, Severity: drift.None}, s, t, b, fp, exists)
	switch td.State {
	case DriftFailed:
		p.Action, p.Error, p.Statements = planner.ActionFailed, "drift check: "+td.Error, []planner.Statement{}
		p.Err = fmt.Errorf("drift check: %w", td.err)
		return
	case DriftFound:
	default:
		return
	}
	p.marks = driftMarks{drift: &td, strategy: t.Drift}
	if p.marks.strategy == "" {
		p.marks.strategy = spec.DriftReport
	}
	if p.marks.strategy == spec.DriftStrict {
		return
	}
	p.marks.objects = driftedObjects(td.Differences)
	note := fmt.Sprintf("drift strategy %s: it touches objects changed by hand since the last apply (strata drift --tenant %s)", p.marks.strategy, t.Name)
	if p.marks.strategy == spec.DriftConservative {
		note += "; conservative repairs additive differences only"
	}
	for i := range p.Statements {
		if st := &p.Statements[i]; !st.Blocked && p.marks.withholds(*st) {
			st.Blocked, st.Withheld = true, note
		}
	}
	if (p.Action == planner.ActionChange || p.Action == planner.ActionCreate) && p.Blocked() {
		p.Action = planner.ActionBlocked
	}
}

// Keys of driftedObjects: "table\x00" for a whole table, "table\x00name" for
// a column, index, foreign key or check of it, allObjects for the schema.
const allObjects = "*"

// driftedObjects returns the objects differences name, as keys for touches.
// A difference that is not one named object of a table (a table added or
// removed, a primary key, table options, a rename) stands for its whole
// table; one without a table (schema options, the database) for every
// statement.
func driftedObjects(diffs []drift.Difference) map[string]bool {
	out := map[string]bool{}
	for _, d := range diffs {
		switch {
		case d.Table == "":
			out[allObjects] = true
		case d.Name != "" && d.Change != drift.Renamed &&
			(d.Object == drift.Column || d.Object == drift.Index || d.Object == drift.ForeignKey || d.Object == drift.Check):
			out[d.Table+"\x00"+d.Name] = true
		default:
			out[d.Table+"\x00"] = true
		}
	}
	return out
}

// touches reports whether a statement changing objs touches a drifted
// object: a drifted table, a drifted column, index, key or check of its
// table, or any of them when the statement creates or drops the whole table.
func touches(drifted map[string]bool, objs []planner.Object) bool {
	if drifted[allObjects] {
		return true
	}
	for _, o := range objs {
		if drifted[o.Table+"\x00"] || (o.Name != "" && drifted[o.Table+"\x00"+o.Name]) {
			return true
		}
		if o.Kind == planner.ObjectTable {
			for key := range drifted {
				if table, _, _ := strings.Cut(key, "\x00"); table == o.Table {
					return true
				}
			}
		}
	}
	return false
}
