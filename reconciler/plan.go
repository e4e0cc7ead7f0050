package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// Plan plans the named tenants (all when tenants is empty) without changing
// anything. A tenant that cannot be planned is ActionFailed in the plan. A
// suspended or decommissioned tenant is ActionChange with the statements
// that suspend or decommission it while the live server shows them still to
// run (so plan exits 2 before apply drops a user), ActionSkip once done. The
// error is for an unknown tenant name or a cancelled ctx.
func (r *Reconciler) Plan(ctx context.Context, tenants []string) (*planner.Plan, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	p := &planner.Plan{Commit: r.opts.Commit, Tenants: make([]planner.TenantPlan, len(sel))}
	// One bulk fingerprint pass per server: tenants already in sync are
	// planned without an Atlas inspect (see insync.go).
	live := r.readLive(ctx, sel)
	err = r.forEach(ctx, sel, func(ctx context.Context, i int, t *spec.Tenant) {
		p.Tenants[i] = r.planTenant(ctx, t, live)
	})
	p.Summarize()
	return p, err
}

// planTenant composes t's desired schema and plans it on t's server, unless
// live (the bulk pass) shows it in sync.
func (r *Reconciler) planTenant(ctx context.Context, t *spec.Tenant, live *liveState) planner.TenantPlan {
	tp := planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, DesiredHash: t.LayerHash()}
	if t.Status == spec.StatusSuspended || t.Status == spec.StatusDecommissioned {
		return r.lifecyclePlan(ctx, t)
	}
	desired, err := r.compose(ctx, t)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	if live.inSync(t, desired) {
		return noChange(t, desired)
	}
	s, err := r.server(t.Server)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	return r.planOn(ctx, s, t, desired)
}

// planOn plans t against desired on server s.
func (r *Reconciler) planOn(ctx context.Context, s *server, t *spec.Tenant, desired *layers.Desired) planner.TenantPlan {
	r.fullPlans.Add(1)
	p, err := r.planner(ctx, s)
	if err != nil {
		return planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Action: planner.ActionFailed, Error: err.Error()}
	}
	tp := p.Plan(ctx, t, desired)
	tp.Name, tp.Database, tp.Server = t.Name, t.Database, t.Server
	if tp.DesiredHash == "" {
		tp.DesiredHash = desired.Hash
	}
	return tp
}

// compose returns t's desired schema; a layer statement the dev server
// rejects is reported as "path:line: message".
func (r *Reconciler) compose(ctx context.Context, t *spec.Tenant) (*layers.Desired, error) {
	d, err := r.composer.Compose(ctx, t)
	if err == nil {
		return d, nil
	}
	var se *layers.StatementError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("%s:%d: %v (fix this statement of the layer)", se.Path, se.Line, se.Err)
	}
	return nil, fmt.Errorf("compose %s: %w", t.Name, err)
}
