package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// job is one tenant's apply. The steps fill it in order: the connections
// (lockStep, provisionStep), the landlord record (startStep), the desired
// schema (composeStep), the plan (planStep), and what became of it (res).
type job struct {
	r    *Reconciler
	pass *Pass
	t    *spec.Tenant
	log  *slog.Logger

	srv      *server
	unlock   func()   // releases the tenant's lock
	migrator *sql.DB  // the tenant's migrator user on its database
	admin    int      // how many of the plan's first statements run as the server's admin
	ran      int      // how many of them ran already: the users' (repairUsers)
	secret   []string // what the users' statements run: with the passwords their SQL withholds

	rec     landlord.Tenant // the landlord record, updated as steps run
	desired *layers.Desired
	plan    planned
	res     TenantResult

	fresh  *bool             // the pass still describes the tenant (freshSincePass); nil: not asked yet
	newest *landlord.RunMark // the tenant's newest run, read under the lock (closeInterrupted)
	loaded *landlord.Tenant  // the tenant's record, read with newest; nil when it has none
	liveFP string            // the fingerprint read under the lock after the plan ran; "" if not read

	archives map[string]int64 // landlord ids of the archives this run opened, by archive table

	recorded  int        // statements 1..recorded are on record running (recordAhead)
	pending   []deferred // landlord records that may wait (records.go)
	runQueued bool       // the run's record is queued (openRunLater)
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
		{"archives", archiveSettleStep}, {"plan", planStep}, {"drift", driftStep}, {"migrate", migrateStep}, {"verify", verifyStep},
		{"seed", seedStep}, {"snapshot", snapshotStep},
	}
)

// applyTenant runs t's steps in order, then decides the outcome from what
// they left (conclude) and records it.
func (p *Pass) applyTenant(ctx context.Context, t *spec.Tenant) (TenantResult, planner.TenantPlan) {
	start, r := time.Now(), p.r
	j := &job{r: r, pass: p, t: t, log: r.log.With("tenant", t.Name, "server", t.Server)}
	j.res = TenantResult{Name: t.Name, Database: t.Database, Server: t.Server}
	j.plan.TenantPlan = planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, DesiredHash: t.LayerHash(), Action: planner.ActionSkip}
	defer func() {
		if j.migrator != nil {
			j.migrator.Close()
		}
		if j.unlock != nil {
			j.unlock()
		}
	}()
	if h, ok := p.holds[t.Name]; ok {
		j.res.Outcome, j.res.Error = OutcomeHeld, heldError(h)
		r.emit(TenantFinished{Result: j.res})
		return j.res, j.plan.TenantPlan
	}
	r.emit(TenantStarted{Tenant: t.Name})

	steps := activeSteps
	switch t.Status {
	case spec.StatusSuspended:
		steps = suspendSteps
	case spec.StatusDecommissioned:
		steps = decommissionSteps
	}
	var err error
	for _, s := range steps {
		if ctx.Err() != nil { // asked to stop: no further step starts
			err = interrupted(ctx, "before step "+s.name)
			break
		}
		began := time.Now()
		err = s.run(ctx, j)
		j.log.Debug("step", "step", s.name, "took", time.Since(began))
		if err != nil {
			break
		}
	}
	j.conclude(ctx, err)
	j.res.Duration = time.Since(start)
	// Without the tenant's lock (another run holds it, or strata was
	// asked to stop before taking it) nothing is recorded.
	if j.unlock != nil || (j.res.Outcome != OutcomeLocked && j.res.Outcome != OutcomeInterrupted) {
		// The final writes outlive a cancelled ctx (SIGTERM), bounded.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		j.record(rctx)
		cancel()
	}
	r.emit(TenantFinished{Result: j.res})
	return j.res, j.plan.TenantPlan
}

// recordTimeout bounds the landlord writes that record a tenant's outcome
// after its context was cancelled.
const recordTimeout = 10 * time.Second

// conclude sets the tenant's outcome and typed error (TenantResult.Err)
// from the steps' error and what they left: interrupted (asked to stop),
// failed (err, typed where it happened), drifted (a drift the strategy left in place: waiting),
// blocked (statements wait for approval: waiting), else converged.
func (j *job) conclude(ctx context.Context, err error) {
	switch {
	case errors.Is(err, errStop):
	case errors.Is(err, ErrInterrupted) || (err != nil && ctx.Err() != nil): // failed because asked to stop
		j.res.Outcome, j.res.Err, j.res.Error = OutcomeInterrupted, classified(err), err.Error()
		j.log.Warn("apply interrupted", "err", err)
	case err != nil:
		j.res.Outcome, j.res.Err = OutcomeFailed, classified(err)
		j.res.Error = err.Error()
		if j.plan.Action != planner.ActionFailed {
			j.plan.Action, j.plan.Error = planner.ActionFailed, err.Error()
		}
		j.log.Error("apply failed", "err", err)
	case j.res.Outcome == OutcomeDrifted:
		j.res.Err = Waiting("%s", j.res.Error)
	case j.res.Outcome == "" && j.plan.Blocked():
		j.res.Outcome = OutcomeBlocked
		j.res.Err = Waiting("%s awaits approval", strings.Join(approvals(j.plan.TenantPlan), ", "))
	case j.res.Outcome == "":
		j.res.Outcome = OutcomeConverged
	}
}

// record writes the tenant's record and closes its run, from the outcome.
func (j *job) record(ctx context.Context) {
	if j.srv != nil && j.unlock == nil {
		// Failed before taking the lock (the server unreachable from
		// here): another strata may hold it and be converging the tenant,
		// so the tenant's record is left alone; the failure is history.
		j.openRunLater()
		if err := j.flush(ctx, func(ctx context.Context, s *landlord.Store) error {
			return s.FinishRun(ctx, j.res.RunID, landlord.RunFailed, j.res.Error)
		}); err != nil {
			j.fail(err)
		}
		return
	}
	if j.rec.Name == "" { // failed before startStep loaded the record
		if rec, err := j.r.store.Tenant(ctx, j.t.Name); err == nil {
			j.rec = *rec
		} else {
			j.rec = landlord.Tenant{Name: j.t.Name, Status: landlord.StatusPending, Database: j.t.Database, Server: j.t.Server, Template: j.t.Template, Modules: j.t.Modules, DesiredHash: j.t.LayerHash()}
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
			j.rec.LastError = "blocked: " + j.res.Err.Error()
		} else {
			j.rec.LastAppliedCommit, j.rec.LastAppliedAt = j.r.opts.Commit, time.Now()
		}
	case OutcomeDrifted:
		j.rec.Status, j.rec.LastError, run = landlord.StatusDrifted, j.res.Error, string(OutcomeDrifted)
	case OutcomeDiverged:
		j.rec.Status, j.rec.LastError, run = landlord.StatusDiverged, j.res.Error, landlord.RunDiverged
	case OutcomeSuspended:
		j.rec.Status, j.rec.LastError, run = landlord.StatusSuspended, "", string(OutcomeSuspended)
	case OutcomeDecommissioned:
		j.rec.Status, j.rec.LastError, run = landlord.StatusDecommissioned, "", string(OutcomeDecommissioned)
	case OutcomeInterrupted: // the status stays what it was
		j.rec.LastError, run = j.res.Error, landlord.RunInterrupted
	default:
		j.rec.Status, j.rec.LastError = landlord.StatusFailed, j.res.Error
	}
	if j.res.Outcome == OutcomeFailed {
		// A failure is history even when it struck before any change.
		j.openRunLater()
	}
	// The tenant's record, its run's end and whatever records waited: one
	// transaction.
	rec, errText := j.rec, j.res.Error
	if err := j.flush(ctx, func(ctx context.Context, s *landlord.Store) error {
		if err := s.PutTenant(ctx, rec); err != nil {
			return err
		}
		if j.res.RunID > 0 {
			return s.FinishRun(ctx, j.res.RunID, run, errText)
		}
		return nil
	}); err != nil {
		j.fail(err)
	}
}

// fail marks the result failed after the fact (the landlord could not record it).
func (j *job) fail(err error) {
	j.log.Error("record", "err", err)
	j.res.Outcome, j.res.Err = OutcomeFailed, classified(err)
	j.res.Error = strings.TrimPrefix(j.res.Error+"; ", "; ") + err.Error()
}

// approvals lists the approvals the plan's blocked statements wait for
// (statements the drift strategy withholds wait for none).
func approvals(tp planner.TenantPlan) []string {
	var out []string
	for _, s := range tp.Statements {
		if s.Blocked && s.Withheld == "" && s.Approval != "" {
			out = append(out, s.Approval)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// openRun opens the tenant's apply run in the landlord, once, before the
// first change is made: a run is on record before any DDL runs, and a tenant
// found in sync (or suspended again) leaves no history row behind.
// With it go the records that waited (records.go).
func (j *job) openRun(ctx context.Context) error {
	j.openRunLater()
	return j.flush(ctx)
}

// heldError says who paused a held tenant and how to resume it.
func heldError(h landlord.Hold) string {
	msg := "held: paused"
	if h.By != "" {
		msg += " by " + h.By
	}
	msg += " since " + h.Since.UTC().Format(time.RFC3339)
	if h.Reason != "" {
		msg += " (" + h.Reason + ")"
	}
	return msg + "; strata resume --tenant " + h.Tenant + " (or the console) lets strata converge it again"
}
