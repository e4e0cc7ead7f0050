package reconciler

import (
	"context"
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// Apply converges the named tenants (all when tenants is empty) and records
// everything in the landlord. Per-tenant failures are in the Result, never
// returned: the error is for an unknown tenant name, a landlord that cannot
// be migrated, or a cancelled ctx.
func (r *Reconciler) Apply(ctx context.Context, tenants []string) (*Result, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	pass, err := r.prepare(ctx, sel)
	if err != nil {
		return nil, err
	}
	return r.applyPass(ctx, pass, sel)
}

// ApplyPass is Apply of the named tenants through a pass prepared earlier
// (Prepare) for them and others: a rollout by wave prepares once and
// applies each wave through the same pass.
func (r *Reconciler) ApplyPass(ctx context.Context, pass *Pass, tenants []string) (*Result, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	return r.applyPass(ctx, pass, sel)
}

// applyPass applies the selected tenants sel through pass.
func (r *Reconciler) applyPass(ctx context.Context, pass *Pass, sel []*spec.Tenant) (*Result, error) {
	res := &Result{
		Plan:    &planner.Plan{Commit: r.opts.Commit, Tenants: make([]planner.TenantPlan, len(sel))},
		Tenants: make([]TenantResult, len(sel)),
	}
	err := r.forEach(ctx, sel, func(ctx context.Context, i int, t *spec.Tenant) {
		res.Tenants[i], res.Plan.Tenants[i] = pass.applyTenant(ctx, t)
	})
	for i, t := range sel { // slots a cancelled run never reached
		if res.Tenants[i].Name == "" {
			cause := interrupted(ctx, "not reached")
			res.Tenants[i] = TenantResult{Name: t.Name, Database: t.Database, Server: t.Server, Outcome: OutcomeInterrupted, Error: cause.Error(), Err: cause}
			res.Plan.Tenants[i] = planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Action: planner.ActionFailed, Error: res.Tenants[i].Error}
			r.emit(TenantFinished{Result: res.Tenants[i]}) // listeners count every tenant
		}
	}
	res.Plan.Summarize()
	return res, err
}

// Pass is an apply prepared once for many tenants: the landlord migrated,
// every tenant's newest run and baseline read, and one bulk fingerprint pass
// per server. The daemon prepares one per commit and applies its tenants
// one at a time; each tenant checks under its lock that the pass still
// describes it (freshSincePass), so a pass may be used long after it was made.
type Pass struct {
	r    *Reconciler
	live *liveState
	runs map[string]landlord.RunMark
	// unsettled are the archives a killed strata left archiving or
	// restoring, by tenant (settleArchives completes them).
	unsettled map[string][]landlord.Archive
	// holds are the tenants an operator paused, read with the pass: a
	// held tenant is not touched (strata resume lifts it).
	holds map[string]landlord.Hold
	// seeds are the tenants' seed runs, read once for the pass. strata
	// writes them only inside runs it records first, so they stand for a
	// tenant the pass still describes (freshSincePass).
	seeds map[string]map[string]landlord.SeedRun
}

// Prepare reads what an apply of the named tenants (all when empty) needs
// from the landlord and the servers, once.
func (r *Reconciler) Prepare(ctx context.Context, tenants []string) (*Pass, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	return r.prepare(ctx, sel)
}

// prepare is Prepare for the selected tenants sel.
func (r *Reconciler) prepare(ctx context.Context, sel []*spec.Tenant) (*Pass, error) {
	if _, err := r.Landlord(ctx); err != nil {
		return nil, err
	}
	if err := r.markOrphaned(ctx); err != nil {
		return nil, err
	}
	// Every tenant's newest run, read before the pass, tells under each
	// tenant's lock whether the pass still describes it (freshSincePass).
	runs, err := r.store.LastRuns(ctx, r.names(sel))
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	// One bulk fingerprint pass per server and the landlord's snapshots:
	// in-sync tenants skip the Atlas inspect, drifted ones get their drift
	// strategy (insync.go, strategy.go).
	live := r.readLive(ctx, sel)
	if live.baselines, err = r.store.Baselines(ctx, r.names(sel)); err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	unsettled, err := r.store.Archives(ctx, landlord.ArchiveFilter{States: []string{landlord.ArchiveArchiving, landlord.ArchiveRestoring}})
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	holds, err := r.store.Holds(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	if live.creds, err = r.store.CredentialsOf(ctx, r.names(sel)); err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	seeds, err := r.store.SeedRunsOf(ctx, r.names(sel))
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	p := &Pass{r: r, live: live, runs: runs, unsettled: map[string][]landlord.Archive{}, holds: holds, seeds: seeds}
	for _, a := range unsettled {
		p.unsettled[a.Tenant] = append(p.unsettled[a.Tenant], a)
	}
	return p, nil
}

// Apply converges one tenant of the pass and records it in the landlord.
func (p *Pass) Apply(ctx context.Context, name string) (TenantResult, planner.TenantPlan, error) {
	t := p.r.fleet.Tenant(name)
	if t == nil {
		return TenantResult{}, planner.TenantPlan{}, fmt.Errorf("reconciler: unknown tenant %q: there is no tenants/%s/tenant.yaml in the config repo", name, name)
	}
	tr, tp := p.applyTenant(ctx, t)
	return tr, tp, nil
}

// current returns j's pass when it still describes the tenant
// (freshSincePass), else nil.
func (j *job) current(ctx context.Context) *Pass {
	if j.pass == nil || !j.freshSincePass(ctx) {
		return nil
	}
	return j.pass
}

// freshSincePass reports whether no strata run touched j's tenant between the
// newest-runs read before the bulk pass and now (j holds the tenant's lock).
// It asks the landlord once per tenant. Every change strata makes is inside
// a run recorded before it (openRun), so the pass still describes the
// tenant when its newest run is the one read before the pass, and that run
// was not running then.
func (j *job) freshSincePass(ctx context.Context) bool {
	if j.fresh != nil {
		return *j.fresh
	}
	fresh := false
	if j.pass.runs != nil {
		before := j.pass.runs[j.t.Name]
		var now landlord.RunMark
		var err error
		if j.newest != nil {
			now = *j.newest
		} else {
			now, err = j.r.store.LastRun(ctx, j.t.Name)
		}
		if err != nil {
			j.log.Warn("cannot tell whether the bulk pass is still current; planning in full", "err", err)
		}
		fresh = err == nil && now == before && before.Outcome != landlord.RunRunning
	}
	j.fresh = &fresh
	return fresh
}
