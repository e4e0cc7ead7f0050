package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/stratadb/strata/layers"
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
	pass, err := r.Prepare(ctx, tenants)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Plan:    &planner.Plan{Commit: r.opts.Commit, Tenants: make([]planner.TenantPlan, len(sel))},
		Tenants: make([]TenantResult, len(sel)),
	}
	err = r.forEach(ctx, sel, func(ctx context.Context, i int, t *spec.Tenant) {
		res.Tenants[i], res.Plan.Tenants[i] = pass.applyTenant(ctx, t)
	})
	for i, t := range sel { // slots a cancelled run never reached
		if res.Tenants[i].Name == "" {
			res.Tenants[i] = TenantResult{Name: t.Name, Database: t.Database, Server: t.Server, Outcome: OutcomeFailed, Error: "not reached: " + fmt.Sprint(ctx.Err())}
			res.Plan.Tenants[i] = planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Action: planner.ActionFailed, Error: res.Tenants[i].Error}
		}
	}
	res.Plan.Summarize()
	return res, err
}

// Pass is an apply prepared once for many tenants: the landlord migrated,
// every tenant's newest run and baseline read, and one bulk fingerprint pass
// per server. The daemon prepares one per commit and applies its tenants
// one at a time; each tenant checks under its lock that the pass still
// describes it (fastpath.go), so a pass may be used long after it was made.
type Pass struct {
	r    *Reconciler
	live *liveState
	runs map[string]landlord.RunMark
}

// Prepare reads what an apply of the named tenants (all when empty) needs
// from the landlord and the servers, once.
func (r *Reconciler) Prepare(ctx context.Context, tenants []string) (*Pass, error) {
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	if _, err := r.Landlord(ctx); err != nil {
		return nil, err
	}
	// Every tenant's newest run, read before the pass, tells under each
	// tenant's lock whether the pass still describes it (fastpath.go).
	runs, err := r.store.LastRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	// One bulk fingerprint pass per server and the landlord's snapshots:
	// in-sync tenants skip the Atlas inspect, drifted ones get their drift
	// strategy (insync.go, strategy.go).
	live := r.readLive(ctx, sel)
	if live.baselines, err = r.store.Baselines(ctx); err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	return &Pass{r: r, live: live, runs: runs}, nil
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

// job is one tenant's apply: the steps share it.
type job struct {
	r        *Reconciler
	srv      *server
	t        *spec.Tenant
	log      *slog.Logger
	rec      landlord.Tenant // the landlord record, updated as steps run
	res      TenantResult
	plan     planner.TenantPlan
	desired  *layers.Desired
	migrator *sql.DB // the tenant's migrator user on its database
	unlock   func()

	live         *liveState                  // the bulk pass before the run
	runs         map[string]landlord.RunMark // every tenant's newest run, read before the pass
	fresh        *bool                       // the pass still describes the tenant (freshSincePass); nil: not asked yet
	fast         bool                        // planned in sync by fingerprint: nothing to run or verify
	liveFP       string                      // the fingerprint read under the lock after the plan ran; "" if not read
	drifted      bool                        // drifted since its last snapshot (strategy.go)
	conservative bool                        // drift strategy conservative: of the statements touching drifted objects only additive ones run
	repairs      map[string]bool             // drifted objects (strategy.go driftedObjects); nil without drift or under strict
}

// errStop ends a tenant's steps early without failing it (outcome already set).
var errStop = errors.New("stop")

// step is one stage of a tenant's apply. Its run returns errStop to end the
// apply with the outcome it set, or an error to fail the tenant.
type step struct {
	name string // in the debug log of each step's duration
	run  func(ctx context.Context, j *job) error
}

// The steps of each kind of tenant, in order.
var (
	suspendSteps      = []step{{"lock", lockStep}, {"start", startStep}, {"suspend", suspendStep}}
	decommissionSteps = []step{{"lock", lockStep}, {"start", startStep}, {"decommission", decommissionStep}}
	activeSteps       = []step{
		{"lock", lockStep}, {"start", startStep}, {"compose", composeStep}, {"provision", provisionStep},
		{"migrate", migrateStep}, {"verify", verifyStep}, {"seed", seedStep}, {"snapshot", snapshotStep},
	}
)

// applyTenant runs t's steps in order and records the outcome.
func (p *Pass) applyTenant(ctx context.Context, t *spec.Tenant) (TenantResult, planner.TenantPlan) {
	start, r := time.Now(), p.r
	j := &job{r: r, t: t, log: r.log.With("tenant", t.Name, "server", t.Server), live: p.live, runs: p.runs}
	j.res = TenantResult{Name: t.Name, Database: t.Database, Server: t.Server}
	j.plan = planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, DesiredHash: t.LayerHash(), Action: planner.ActionSkip}
	defer func() {
		if j.migrator != nil {
			j.migrator.Close()
		}
		if j.unlock != nil {
			j.unlock()
		}
	}()

	steps := activeSteps
	switch t.Status {
	case spec.StatusSuspended:
		steps = suspendSteps
	case spec.StatusDecommissioned:
		steps = decommissionSteps
	}
	var err error
	for _, s := range steps {
		began := time.Now()
		err = s.run(ctx, j)
		j.log.Debug("step", "step", s.name, "took", time.Since(began))
		if err != nil {
			break
		}
	}
	if err != nil && !errors.Is(err, errStop) {
		j.res.Outcome, j.res.Error, j.res.Err = OutcomeFailed, err.Error(), err
		j.log.Error("apply failed", "err", err)
	} else if j.res.Outcome == "" {
		j.res.Outcome = OutcomeConverged
		if j.plan.Blocked() {
			j.res.Outcome = OutcomeBlocked
		}
	}
	j.res.Duration = time.Since(start)
	if j.res.Outcome != OutcomeLocked {
		began := time.Now()
		j.record(context.WithoutCancel(ctx))
		j.log.Debug("step", "step", "record", "took", time.Since(began))
	}
	return j.res, j.plan
}

// lockStep takes the tenant's advisory lock; when another strata holds it the
// tenant is skipped (outcome locked, nothing recorded).
func lockStep(ctx context.Context, j *job) error {
	s, err := j.r.server(j.t.Server)
	if err != nil {
		return err
	}
	j.srv = s
	unlock, ok, err := lockTenant(ctx, s.db, j.t.Database)
	if err != nil {
		return err
	}
	if !ok {
		j.res.Outcome = OutcomeLocked
		j.res.Error = "another strata run holds this tenant's lock; skipped"
		return errStop
	}
	j.unlock = unlock
	return j.closeInterrupted(ctx) // lock.go: runs a killed strata left running
}

// startStep loads the tenant's landlord record (a new one is pending). The
// apply run is opened later, by openRun, just before the first change.
func startStep(ctx context.Context, j *job) error {
	rec, err := j.r.store.Tenant(ctx, j.t.Name)
	switch {
	case landlord.IsNotFound(err):
		j.rec = landlord.Tenant{Name: j.t.Name, Status: landlord.StatusPending}
	case err != nil:
		return err
	default:
		j.rec = *rec
	}
	j.rec.Database, j.rec.Server = j.t.Database, j.t.Server
	j.rec.Template, j.rec.Modules, j.rec.DesiredHash = j.t.Template, j.t.Modules, j.t.LayerHash()
	if tmpl := j.r.fleet.Templates[j.t.Template]; tmpl != nil {
		j.rec.TemplateVersion = tmpl.Version
	}
	j.rec.LastAttemptedCommit = j.r.opts.Commit
	return nil
}

// openRun opens the tenant's apply run in the landlord, once, before the
// first change is made: a run is on record before any DDL runs, and a tenant
// found in sync (or suspended again) leaves no history row behind.
func (j *job) openRun(ctx context.Context) error {
	if j.res.RunID > 0 {
		return nil
	}
	id, err := j.r.store.StartRun(ctx, j.t.Name, j.r.opts.Commit, j.r.opts.PR)
	j.res.RunID = id
	return err
}

// composeStep composes the desired schema before anything is created, so a
// bad layer fails the tenant with its file:line and leaves nothing behind.
func composeStep(ctx context.Context, j *job) error {
	d, err := j.r.compose(ctx, j.t)
	if err != nil {
		j.plan.Action, j.plan.Error = planner.ActionFailed, err.Error()
		return err
	}
	j.desired = d
	return nil
}

// provisionStep creates the database and users when missing (status
// provisioning meanwhile), unlocks the app user of a formerly suspended
// tenant, and connects as the migrator.
func provisionStep(ctx context.Context, j *job) error {
	pw, err := j.provision(ctx)
	if err != nil {
		j.plan.Action, j.plan.Error = planner.ActionFailed, err.Error()
		return err
	}
	if j.rec.Status == landlord.StatusSuspended {
		if err := j.setAppLock(ctx, false); err != nil {
			return err
		}
	}
	j.migrator, err = openAs(j.srv, userName(j.t.Database, landlord.RoleMigrator), pw, j.t.Database)
	return err
}

// migrateStep plans the tenant and runs the plan's unblocked statements in
// order as the migrator, recording each as it finishes. On the first
// failure the rest are recorded skipped and the tenant fails; DDL is not
// transactional, so the next run re-plans from what is live.
func migrateStep(ctx context.Context, j *job) error {
	// The pass ran before our lock: another strata may have changed the
	// tenant since.
	if j.live.inSync(j.t, j.desired) && j.freshSincePass(ctx) {
		j.plan, j.fast = noChange(j.t, j.desired), true
		return nil
	}
	if qp, ok := j.quickPlan(ctx); ok {
		j.plan = qp
	} else {
		j.plan = j.r.planOn(ctx, j.srv, j.t, j.desired)
	}
	j.res.Unmanaged = j.plan.Unmanaged
	if j.plan.Action == planner.ActionFailed {
		return fmt.Errorf("plan: %s", j.plan.Error)
	}
	if err := j.driftStrategy(ctx); err != nil {
		return err
	}
	if len(j.plan.Statements) > 0 {
		if err := j.openRun(ctx); err != nil {
			return err
		}
	}
	var failed error
	for i, st := range j.plan.Statements {
		rec := landlord.StatementRecord{Seq: i + 1, SQL: st.SQL, Kind: string(st.Kind)}
		switch {
		case st.Blocked && st.Approval == "": // withheld by the drift strategy
			rec.Outcome = landlord.StatementBlocked
			rec.Error = "withheld by " + j.strategyNote()
		case st.Blocked:
			rec.Outcome = landlord.StatementBlocked
			rec.Error = "awaits approval: add " + st.Approval + " under approve.destructive"
		case failed != nil:
			rec.Outcome = landlord.StatementSkipped
		default:
			// Recorded running first: if strata dies during it, the drift
			// check knows the objects it may have changed are strata's own.
			rec.Outcome = landlord.StatementRunning
			if err := j.r.store.AddStatement(ctx, j.res.RunID, rec); err != nil {
				return err
			}
			began := time.Now()
			_, err := j.migrator.ExecContext(ctx, st.SQL)
			rec.Duration = time.Since(began)
			rec.Outcome = landlord.StatementApplied
			if err != nil {
				rec.Outcome = landlord.StatementFailed
				rec.Error, failed = j.statementFailed(ctx, i, st.SQL, err)
			}
			j.res.Statements = append(j.res.Statements, rec)
			if err := j.r.store.FinishStatement(ctx, j.res.RunID, rec); err != nil {
				return err
			}
			continue
		}
		j.res.Statements = append(j.res.Statements, rec)
		if err := j.r.store.AddStatement(ctx, j.res.RunID, rec); err != nil {
			return err
		}
	}
	return failed
}

// verifyStep requires that the live schema is the desired one: its
// fingerprint equals the composition's, or a full plan finds only blocked
// or withheld statements left (and names the first other one).
func verifyStep(ctx context.Context, j *job) error {
	if j.fast || j.verifyFingerprint(ctx) {
		return nil
	}
	again := j.r.planOn(ctx, j.srv, j.t, j.desired)
	if again.Action == planner.ActionFailed {
		return fmt.Errorf("verify: %s", again.Error)
	}
	for _, st := range again.Statements {
		if !st.Blocked && !j.withheld(st) {
			return fmt.Errorf("verify: the live schema still differs from the desired schema after apply: %s", firstLine(st.SQL))
		}
	}
	return nil
}

// snapshotStep records the live schema after a successful apply.
func snapshotStep(ctx context.Context, j *job) error {
	if j.reportOnly() {
		j.res.Outcome = OutcomeDrifted // the last snapshot stays the baseline
		return nil
	}
	sn, err := j.saveSnapshot(ctx)
	if err != nil {
		return err
	}
	j.res.SchemaHash = sn.Hash
	j.rec.LiveHash = sn.Hash
	if j.drifted || j.rec.Status == landlord.StatusDrifted {
		// The new snapshot is the baseline from now on: the drift is closed.
		return j.r.store.ResolveDrift(ctx, j.t.Name)
	}
	return nil
}

// record writes the tenant's record and closes its run, from the outcome.
func (j *job) record(ctx context.Context) {
	if j.rec.Name == "" { // failed before startStep loaded the record
		if rec, err := j.r.store.Tenant(ctx, j.t.Name); err == nil {
			j.rec = *rec
		} else {
			j.rec = landlord.Tenant{Name: j.t.Name, Database: j.t.Database, Server: j.t.Server, Template: j.t.Template, Modules: j.t.Modules, DesiredHash: j.t.LayerHash()}
		}
		j.rec.LastAttemptedCommit = j.r.opts.Commit
	}
	run := landlord.RunFailed
	switch j.res.Outcome {
	case OutcomeConverged, OutcomeBlocked:
		j.rec.Status, j.rec.LastError = landlord.StatusActive, ""
		run = landlord.RunConverged
		if j.res.Outcome == OutcomeBlocked {
			run = landlord.RunBlocked
			j.rec.LastError = "blocked: " + strings.Join(approvals(j.plan), ", ") + " awaits approval"
		} else {
			j.rec.LastAppliedCommit, j.rec.LastAppliedAt = j.r.opts.Commit, time.Now()
		}
	case OutcomeDrifted:
		j.rec.Status, j.rec.LastError, run = landlord.StatusDrifted, j.res.Error, string(OutcomeDrifted)
	case OutcomeSuspended:
		j.rec.Status, j.rec.LastError, run = landlord.StatusSuspended, "", string(OutcomeSuspended)
	case OutcomeDecommissioned:
		j.rec.Status, j.rec.LastError, run = landlord.StatusDecommissioned, "", string(OutcomeDecommissioned)
	default:
		j.rec.Status, j.rec.LastError = landlord.StatusFailed, j.res.Error
	}
	if j.res.Outcome == OutcomeFailed {
		// A failure is history even when it struck before any change.
		if err := j.openRun(ctx); err != nil {
			j.fail(err)
		}
	}
	if err := j.r.store.PutTenant(ctx, j.rec); err != nil {
		j.fail(err)
	}
	if j.res.RunID > 0 {
		if err := j.r.store.FinishRun(ctx, j.res.RunID, run, j.res.Error); err != nil {
			j.fail(err)
		}
	}
}

// fail marks the result failed after the fact (the landlord could not record it).
func (j *job) fail(err error) {
	j.log.Error("record", "err", err)
	j.res.Outcome = OutcomeFailed
	j.res.Error = strings.TrimPrefix(j.res.Error+"; ", "; ") + err.Error()
}

func approvals(tp planner.TenantPlan) []string {
	var out []string
	for _, s := range tp.Statements {
		if s.Blocked {
			out = append(out, s.Approval)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
