package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
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

// driftBasis is what a tenant's drift is checked with: its live
// fingerprint (exists is false when its database is gone) and its baseline,
// the newest snapshot (ok is false without one).
type driftBasis struct {
	fp     string
	exists bool
	b      landlord.Baseline
	ok     bool
}

// drifted reports whether the basis shows a change since the baseline.
func (d driftBasis) drifted() bool {
	return d.ok && d.exists && d.b.Fingerprint != "" && d.fp != d.b.Fingerprint
}

// markDrift applies t's drift strategy to p when t drifted since its last
// apply (its live fingerprint, as v.drift reads it, differs from its last
// snapshot's):
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
	basis, err := v.drift(ctx)
	if err == nil {
		p.marks, err = r.checkDrift(ctx, s, t, basis)
	}
	if err != nil {
		p.Action, p.Error, p.Statements = planner.ActionFailed, "drift check: "+err.Error(), []planner.Statement{}
		p.Err = fmt.Errorf("drift check: %w", err)
		return
	}
	if p.marks.objects == nil {
		return
	}
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

// checkDrift returns t's drift strategy marks for basis: zero when it
// shows no drift, or the drift found is explained by strata's own
// statements. It changes nothing (driftStep records what it found).
func (r *Reconciler) checkDrift(ctx context.Context, s *server, t *spec.Tenant, basis driftBasis) (driftMarks, error) {
	// A database dropped by hand is provisioned again; the sweep reports it.
	if !basis.drifted() {
		return driftMarks{}, nil
	}
	td := r.detect(ctx, TenantDrift{Name: t.Name, Database: t.Database, Server: t.Server, Severity: drift.None}, s, t, basis.b, basis.fp, basis.exists)
	switch td.State {
	case DriftFailed:
		return driftMarks{}, td.err
	case DriftFound:
	default:
		return driftMarks{}, nil
	}
	m := driftMarks{drift: &td, strategy: t.Drift}
	if m.strategy == "" {
		m.strategy = spec.DriftReport
	}
	if m.strategy != spec.DriftStrict {
		m.objects = driftedObjects(td.Differences)
	}
	return m, nil
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

// driftBasis reads, under the tenant's lock, what apply checks its drift
// with: the live fingerprint and the newest baseline in the landlord. A
// pass read before the lock may be stale: a change by hand since would be
// planned as a spec change (repaired under strategy report), another
// strata's snapshot since would be the wrong baseline. Only a tenant
// planned in full pays these reads (one fingerprint, one query).
func (j *job) driftBasis(ctx context.Context) (driftBasis, error) {
	var d driftBasis
	var err error
	if d.b, d.ok, err = j.r.store.Baseline(ctx, j.t.Name); err != nil || !d.ok {
		return d, err
	}
	d.fp, err = fingerprint.Schema(ctx, j.srv.db, j.t.Database)
	switch {
	case errors.Is(err, fingerprint.ErrNotFound):
		return d, nil
	case err != nil:
		return d, fmt.Errorf("reconciler: %w", err)
	}
	d.exists = true
	return d, nil
}

// recordDrift records the drift in j.plan.marks (a detection in the
// landlord, the tenant drifted) and, under strategy report, says in
// res.Error what the tenant waits for.
func (j *job) recordDrift(ctx context.Context) error {
	td := j.plan.marks.drift
	if td == nil {
		return nil
	}
	if rec := j.r.recordDetection(ctx, *td, j.srv, j.t); rec.State == DriftFailed {
		return fmt.Errorf("record drift: %s", rec.Error)
	}
	if j.plan.marks.reportOnly() {
		j.res.Error = fmt.Sprintf("drifted since the last apply (severity %s, %d differences); drift strategy report repairs nothing: run strata drift --tenant %s, then repair by hand or set drift.strategy to conservative or strict", td.Severity, len(td.Differences), j.t.Name)
	}
	return nil
}

// lateDrift checks for drift a tenant whose plan was made from the pass
// (cachedPlan: the pass found it at its baseline) and that did not reach
// the desired schema: a change by hand between the pass and the lock. The
// drift is checked under the lock (what strata ran is its own, not drift)
// and recorded as planStep and driftStep would have, its marks set; under
// strategy report the tenant then concludes drifted, with the verifying
// plan's repairs withheld. It returns whether drift was found.
func (j *job) lateDrift(ctx context.Context) (bool, error) {
	basis, err := j.driftBasis(ctx)
	if err != nil {
		return false, fmt.Errorf("verify: drift check: %w", err)
	}
	m, err := j.r.checkDrift(ctx, j.srv, j.t, basis)
	if err != nil {
		return false, fmt.Errorf("verify: drift check: %w", err)
	}
	if m.drift == nil {
		return false, nil
	}
	j.plan.marks = m
	return true, j.recordDrift(ctx)
}
