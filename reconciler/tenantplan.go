package reconciler

import (
	"context"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// planView is what planning one tenant knows besides its spec: the bulk
// pass (with the landlord's baselines), the tenant's recorded status, and
// whether the pass still describes the tenant.
type planView struct {
	live   *liveState
	status landlord.Status // the tenant's recorded status; "" when it has no record
	// fresh reports whether the bulk pass still describes the tenant: plan
	// reads both at one moment; apply asks the landlord under the lock.
	fresh func(context.Context) bool
	// empty is true when the live schema is certainly empty: the bulk pass
	// found no database (plan), or this run just created it (apply). The
	// plan is then the one from nothing, action create, and has no drift.
	empty bool
	// drift returns what the drift strategy checks the tenant with (its
	// live fingerprint and baseline): plan takes both from the pass, read at
	// one moment (liveState.basis); apply reads them under the tenant's lock
	// (job.driftBasis), so the drift it marks and records is the tenant's
	// as it is, not as a pass read earlier saw it.
	drift func(context.Context) (driftBasis, error)
}

// planned is a tenant's plan and what apply needs to know of how it was made.
type planned struct {
	planner.TenantPlan
	// fast is true when the bulk pass found the tenant in sync: nothing to
	// run or verify.
	fast bool
	// cached is true when the plan is cachedPlan's: made from what the pass
	// found live, not inspected under the lock. Verification finds a change
	// made by hand since (verifyStep).
	cached bool
	// marks are the drift strategy's; zero without drift.
	marks driftMarks
}

// planTenant computes t's plan: the one function behind strata plan, apply,
// the daemon and plan --live, so what a reviewer sees is what runs. In
// order: in sync by fingerprint; else the plan from a schema known without
// an inspect (cachedPlan, shared by every tenant at that schema); else the
// full Atlas inspect and diff, then the drift strategy's marks (statements
// withheld from a tenant changed by hand); then the archive statements of
// approved drops and restores (archive.go). A cached plan has no marks: it
// is made only for a tenant the pass found at its baseline, or empty. It
// changes nothing: apply records the drift it found as a step of its own.
func (r *Reconciler) planTenant(ctx context.Context, s *server, t *spec.Tenant, desired *layers.Desired, v planView) planned {
	if !v.empty && v.live.inSync(t, desired) && v.fresh(ctx) {
		return planned{TenantPlan: noChange(t, desired), fast: true}
	}
	var p planned
	if tp, ok := r.cachedPlan(ctx, s, t, desired, v); ok {
		p = planned{TenantPlan: tp, cached: true}
	} else if p.TenantPlan = r.planOn(ctx, s, t, desired); p.Action != planner.ActionFailed && !v.empty {
		r.markDrift(ctx, s, t, v, &p)
	}
	if p.Action == planner.ActionFailed {
		return p
	}
	if err := r.archiveSteps(ctx, s, t, desired, v.live, &p); err != nil {
		p.TenantPlan = planFailed(p.TenantPlan, err)
	}
	return p
}

// cachedPlan returns t's plan without an Atlas inspect when its live schema
// is known (see fastpath.go): empty (no database yet, or this run created
// it), or its baseline snapshot's composition. It returns false when the
// tenant must be planned in full.
func (r *Reconciler) cachedPlan(ctx context.Context, s *server, t *spec.Tenant, desired *layers.Desired, v planView) (planner.TenantPlan, bool) {
	var shared *planner.TenantPlan
	switch {
	case v.empty:
		shared = r.sharedPlan(ctx, s, "empty", func(context.Context) (*layers.Desired, error) {
			return &layers.Desired{Schema: &schema.Schema{}, Snapshot: &snapshot.Schema{}}, nil
		}, desired)
	default:
		b, ok := v.live.baselines[t.Name]
		fp, exists := v.live.fingerprint(t)
		if !ok || !exists || b.Fingerprint == "" || fp != b.Fingerprint || v.status != landlord.StatusActive || !v.fresh(ctx) {
			return planner.TenantPlan{}, false
		}
		shared = r.sharedPlan(ctx, s, baseKey(b), func(ctx context.Context) (*layers.Desired, error) {
			return r.baseComposition(ctx, b)
		}, desired)
	}
	if shared == nil {
		return planner.TenantPlan{}, false
	}
	tp := *shared
	tp.Name, tp.Database, tp.Server = t.Name, t.Database, t.Server
	if v.empty {
		tp.Action = planner.ActionCreate
	}
	// The shared plan never changes: each tenant gets its own statements.
	tp.Statements = append([]planner.Statement(nil), shared.Statements...)
	return tp, true
}
