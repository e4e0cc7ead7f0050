package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// Plan plans the named tenants (all when tenants is empty) without changing
// anything, through the same planTenant apply uses. A tenant that cannot be
// planned is ActionFailed in the plan. A suspended or decommissioned tenant
// is ActionChange with the statements that suspend or decommission it while
// the live server shows them still to run (so plan exits 2 before apply
// drops a user), ActionSkip once done. The error is for an unknown tenant
// name, an unreadable landlord or a cancelled ctx.
func (r *Reconciler) Plan(ctx context.Context, tenants []string) (*planner.Plan, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	p := &planner.Plan{Commit: r.opts.Commit, Tenants: make([]planner.TenantPlan, len(sel))}
	// One bulk fingerprint pass per server: tenants already in sync are
	// planned without an Atlas inspect (see insync.go).
	live := r.readLive(ctx, sel)
	if err := r.readRecords(ctx, sel, live); err != nil {
		return nil, err
	}
	err = r.forEach(ctx, sel, func(ctx context.Context, i int, t *spec.Tenant) {
		p.Tenants[i] = r.planOne(ctx, t, live)
	})
	p.Summarize()
	return p, err
}

// readRecords reads into live the baseline snapshots and stored
// credentials of sel without migrating the landlord: none when it does
// not exist yet.
func (r *Reconciler) readRecords(ctx context.Context, sel []*spec.Tenant, live *liveState) error {
	live.baselines, live.creds = map[string]landlord.Baseline{}, map[string]map[landlord.Role]*landlord.Credential{}
	ok, err := r.store.Exists(ctx)
	if err != nil || !ok {
		live.noLandlord = !ok
		return err
	}
	if live.baselines, err = r.store.Baselines(ctx, r.names(sel)); err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	if live.creds, err = r.store.CredentialsOf(ctx, r.names(sel)); err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	return nil
}

// planOne plans one tenant for strata plan.
func (r *Reconciler) planOne(ctx context.Context, t *spec.Tenant, live *liveState) planner.TenantPlan {
	tp := planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, DesiredHash: t.LayerHash()}
	if t.Status == spec.StatusSuspended || t.Status == spec.StatusDecommissioned {
		return r.lifecyclePlan(ctx, t)
	}
	desired, err := r.compose(ctx, t)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	s, err := r.server(t.Server)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	v := planView{live: live, status: live.baselines[t.Name].Status, empty: live.absent(t), fresh: always, drift: live.basis(t)}
	tp = r.planTenant(ctx, s, t, desired, v).TenantPlan
	if tp.Action == planner.ActionFailed {
		return tp
	}
	// The users are put in place first (userrepair.go); a new database
	// comes with the missing ones.
	users, err := r.usersOf(ctx, s, t, live, false)
	if err != nil {
		return planFailed(tp, err)
	}
	if tp.Action == planner.ActionCreate {
		users = withCreated(t.Database, users)
	}
	prepend(&tp, plannedUsers(t.Database, users))
	return tp
}

// always is the freshness of a bulk pass read at the moment of planning.
func always(context.Context) bool { return true }

// planOn plans t against desired on server s with a full Atlas inspect.
func (r *Reconciler) planOn(ctx context.Context, s *server, t *spec.Tenant, desired *layers.Desired) planner.TenantPlan {
	r.fullPlans.Add(1)
	p, err := r.planner(ctx, s)
	if err != nil {
		return planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Action: planner.ActionFailed, Error: err.Error(), Err: err}
	}
	tp := p.Plan(ctx, t, desired)
	tp.Name, tp.Database, tp.Server = t.Name, t.Database, t.Server
	if tp.DesiredHash == "" {
		tp.DesiredHash = desired.Hash
	}
	return tp
}

// compose returns t's desired schema; a layer statement the dev server
// rejects is reported as "path:line: message" and stalls the tenant until
// the layer changes (a lost connection is the server's, and transient).
func (r *Reconciler) compose(ctx context.Context, t *spec.Tenant) (*layers.Desired, error) {
	d, err := r.composer.Compose(ctx, t)
	if err == nil {
		return d, nil
	}
	var se *layers.StatementError
	if errors.As(err, &se) {
		if classify(se.Err) == KindTransient {
			return nil, Transient(fmt.Errorf("compose %s: the dev server failed at %s:%d: %w", t.Name, se.Path, se.Line, se.Err))
		}
		return nil, Stalled(fmt.Errorf("%s:%d: %v (fix this statement of the layer)", se.Path, se.Line, se.Err))
	}
	return nil, classified(fmt.Errorf("compose %s: %w", t.Name, err))
}
