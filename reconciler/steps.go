package reconciler

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// The steps of an active tenant's apply, in the order activeSteps (job.go)
// runs them, with the job state each sets: lock (srv, unlock), start (rec),
// compose (desired), provision (migrator, res.Provisioned; the users'
// statements it ran: plan, ran, secret), plan (plan, admin), drift
// (records plan.marks), migrate (res.Statements), verify (liveFP:
// fastpath.go), seed (seeds.go), snapshot (res.SchemaHash).
// conclude decides the outcome from what they left.

// lockStep takes the tenant's advisory lock and closes runs a killed strata
// left running. When another strata holds the lock it sets outcome locked
// (Err ErrLocked, transient) and stops: nothing is recorded.
func lockStep(ctx context.Context, j *job) error {
	s, err := j.r.server(j.t.Server)
	if err != nil {
		return Stalled(err)
	}
	j.srv = s
	unlock, ok, err := lockTenant(ctx, s.db, j.t.Database)
	if err != nil {
		return err
	}
	if !ok {
		j.res.Outcome, j.res.Error, j.res.Err = OutcomeLocked, ErrLocked.Error(), Transient(ErrLocked)
		return errStop
	}
	j.unlock = unlock
	return j.closeInterrupted(ctx) // lock.go
}

// startStep sets j.rec from the tenant's landlord record, read under the
// lock (a new one is pending). The apply run is opened later, by openRun,
// just before the first change.
func startStep(ctx context.Context, j *job) error {
	j.rec = landlord.Tenant{Name: j.t.Name, Status: landlord.StatusPending}
	if j.loaded != nil {
		j.rec = *j.loaded
	}
	j.rec.Database, j.rec.Server = j.t.Database, j.t.Server
	j.rec.Template, j.rec.Modules, j.rec.DesiredHash = j.t.Template, j.t.Modules, j.t.LayerHash()
	if tmpl := j.r.fleet.Templates[j.t.Template]; tmpl != nil {
		j.rec.TemplateVersion = tmpl.Version
	}
	j.rec.LastAttemptedCommit = j.r.opts.Commit
	return nil
}

// composeStep sets j.desired before anything is created, so a bad layer
// fails the tenant (stalled) with its file:line and leaves nothing behind.
func composeStep(ctx context.Context, j *job) error {
	d, err := j.r.compose(ctx, j.t)
	if err != nil {
		return err
	}
	j.desired = d
	return nil
}

// provisionStep creates the database and users when missing (status
// provisioning meanwhile; res.Provisioned), or puts an existing database's
// users in place (repairUsers: the plan's first statements), and connects
// as the migrator (j.migrator).
func provisionStep(ctx context.Context, j *job) error {
	pw, err := j.provision(ctx)
	if err != nil {
		return err
	}
	j.migrator, err = openAs(j.srv, userName(j.t.Database, landlord.RoleMigrator), pw, j.t.Database)
	return err
}

// planStep sets j.plan with planTenant, the function strata plan uses: the
// pass's fingerprints (if the pass still describes the tenant under the
// lock), the landlord's baseline, the drift strategy's marks (from a
// fingerprint and baseline read under the lock: driftBasis). The users'
// statements provisionStep ran stay first.
func planStep(ctx context.Context, j *job) error {
	v := planView{live: j.pass.live, status: j.rec.Status, fresh: j.freshSincePass, empty: j.res.Provisioned, drift: j.driftBasis}
	users := j.plan.Statements[:j.ran]
	j.plan = j.r.planTenant(ctx, j.srv, j.t, j.desired, v)
	j.res.Unmanaged = j.plan.Unmanaged
	prepend(&j.plan.TenantPlan, users)
	j.admin = len(users)
	if j.plan.Action == planner.ActionFailed {
		return fmt.Errorf("plan: %w", planError(j.plan.TenantPlan))
	}
	return nil
}

// driftStep records the drift planStep found (a detection in the landlord,
// the tenant drifted) and, under strategy report, says in res.Error what
// the tenant waits for.
func driftStep(ctx context.Context, j *job) error {
	return j.recordDrift(ctx) // strategy.go
}

// verifyStep requires that the live schema is the desired one: its
// definitions or fingerprint equal the composition's (verifyLive), or a full plan finds
// only blocked or withheld statements left; otherwise it fails the tenant
// (stalled) naming the first other one. Differences no statement changes
// make the tenant diverged, never converged. A plan the pass was found in
// sync for (fast) ran nothing and is not verified: the pass, read before
// the lock and still current (freshSincePass), is its verification; a
// change by hand since is the drift sweep's to find, as one made just
// after a verification would be. A plan made from the pass (cached) that
// did not reach the desired schema is checked for a change by hand since
// the pass (lateDrift).
func verifyStep(ctx context.Context, j *job) error {
	if j.plan.fast || j.verifyLive(ctx) {
		return nil
	}
	late := false
	if j.plan.cached {
		var err error
		if late, err = j.lateDrift(ctx); err != nil { // strategy.go
			return err
		}
	}
	again := j.r.planOn(ctx, j.srv, j.t, j.desired)
	if again.Action == planner.ActionFailed {
		return fmt.Errorf("verify: %w", planError(again))
	}
	for _, st := range again.Statements {
		if !st.Blocked && !j.plan.marks.withholds(st) {
			err := fmt.Errorf("verify: the live schema still differs from the desired schema after apply: %s", firstLine(st.SQL))
			if late { // the next run plans the repair its drift strategy allows
				return Transient(fmt.Errorf("%w (changed by hand while strata planned it)", err))
			}
			return Stalled(err)
		}
	}
	j.diverged(again)
	return nil
}

// snapshotStep records the live schema as the tenant's new baseline
// (res.SchemaHash) and closes its drift, unless drift is left in place:
// under strategy report, or under conservative or strict when drift
// remains after the repair (driftRemains). Then the outcome is drifted, the old baseline stays (a new
// one would hide the drift), and only what was repaired leaves the drift
// report (the rest is detected again and recorded).
func snapshotStep(ctx context.Context, j *job) error {
	m := j.plan.marks
	if m.reportOnly() {
		j.res.Outcome = OutcomeDrifted
		return nil
	}
	if m.drift != nil && j.liveFP != j.desired.Fingerprint {
		if remains, err := j.driftRemains(ctx); remains || err != nil {
			return err
		}
	}
	sn, err := j.saveSnapshot(ctx)
	if err != nil {
		return err
	}
	j.res.SchemaHash = sn.Hash
	j.rec.LiveHash = sn.Hash
	if m.drift != nil || j.rec.Status == landlord.StatusDrifted {
		// The new snapshot is the baseline from now on: the drift is closed
		// (with the snapshot, in the tenant's final record).
		j.later(func(ctx context.Context, s *landlord.Store) error { return s.ResolveDrift(ctx, j.t.Name) }, nil)
	}
	return nil
}

// driftRemains records the drift left after a repair that did not reach
// the desired schema (conservative withholds, strict blocked or an
// unmanaged table kept): the tenant is compared with its baseline again
// and the new detection replaces the old one (true; outcome drifted, or
// blocked under strict, whose repair waits for an approval).
// When no drift is left it returns false: the tenant is snapshotted and
// concluded as any other (blocked by the spec's own statements).
func (j *job) driftRemains(ctx context.Context) (bool, error) {
	fp := j.liveFP
	if fp == "" {
		return false, fmt.Errorf("drift check after repair: the live fingerprint could not be read")
	}
	td := TenantDrift{Name: j.t.Name, Database: j.t.Database, Server: j.t.Server, Severity: drift.None}
	td = j.r.detect(ctx, td, j.srv, j.t, j.plan.marks.drift.baseline, fp, true)
	switch td.State {
	case DriftFailed:
		return false, fmt.Errorf("drift check after repair: %w", td.err)
	case DriftFound:
		if rec := j.r.recordDetection(ctx, td, j.srv, j.t); rec.State == DriftFailed {
			return false, fmt.Errorf("record drift: %s", rec.Error)
		}
	default:
		return false, nil // all drift repaired: what is left is the spec's (blocked, withheld)
	}
	if j.plan.marks.strategy == spec.DriftStrict {
		return true, nil // its repair waits for an approval: the outcome says blocked
	}
	j.res.Outcome = OutcomeDrifted
	j.res.Error = fmt.Sprintf("drift strategy %s left %d differences unrepaired (strata drift --tenant %s)", j.plan.marks.strategy, len(td.Differences), j.t.Name)
	return true, nil
}

// migrateStep runs the plan's statements in order as the migrator (the
// executor): each is recorded running before it runs and with its outcome
// after, and reported to the listener. Blocked and withheld statements are
// recorded, not run. On the first failure the rest are recorded skipped and
// the tenant fails, typed by the server's error; DDL is not transactional,
// so the next run re-plans from what is live. A cancelled ctx (SIGTERM)
// lets the statement in flight finish and runs no more.
func migrateStep(ctx context.Context, j *job) error {
	if len(j.plan.Statements) == 0 {
		return nil
	}
	// Written with the first statement's record, before it runs.
	j.openRunLater()
	return j.runStatements(ctx)
}

// runStatements runs the plan's statements as migrateStep describes: the
// first j.admin as the server's admin (the users' statements,
// suspend, decommission) on a session with lock_wait_timeout, the rest as
// the migrator. The users' statements provisionStep ran (j.ran) are skipped.
func (j *job) runStatements(ctx context.Context) error {
	var admin execer
	if j.admin > j.ran {
		conn, put, err := j.srv.boundedConn(ctx)
		if err != nil {
			return err
		}
		defer put()
		admin = conn
	}
	if err := j.recordAhead(ctx); err != nil {
		return err
	}
	var failed error
	for i, st := range j.plan.Statements {
		if i < j.ran {
			continue // the users' statements, run by provisionStep
		}
		rec := statementRecord(i, st)
		switch {
		case st.Withheld != "":
			rec.Outcome, rec.Error = landlord.StatementBlocked, "withheld by "+st.Withheld
		case st.Blocked && st.Approval == "":
			rec.Outcome, rec.Error = landlord.StatementBlocked, st.Note
		case st.Blocked:
			rec.Outcome, rec.Error = landlord.StatementBlocked, "awaits approval: add "+st.Approval+" under approve.destructive"
		case failed != nil:
			rec.Outcome = landlord.StatementSkipped
		case ctx.Err() != nil:
			rec.Outcome = landlord.StatementSkipped
			failed = interrupted(ctx, fmt.Sprintf("before statement %d of %d", i+1, len(j.plan.Statements)))
		default:
			var db execer = j.migrator
			if i < j.admin {
				db = admin
			}
			if st.Archive != nil && st.Archive.First {
				// The archive's record names the run: the run is on record first.
				if err := j.openRun(ctx); err != nil {
					return err
				}
			}
			if err := j.archiveBefore(ctx, st); err != nil {
				return err
			}
			run := st.SQL
			if i < len(j.secret) {
				run = j.secret[i] // a user's statement with its new password
			}
			err, recErr := j.execute(ctx, db, &rec, st, run)
			if recErr != nil {
				return recErr
			}
			if err == nil {
				if err := j.archiveAfter(ctx, st); err != nil {
					return err
				}
			}
			failed = err
			continue
		}
		j.res.Statements = append(j.res.Statements, rec)
		if rec.Seq <= j.recorded { // on record running: skipped after all
			j.laterFinish(rec, nil)
			continue
		}
		j.later(func(ctx context.Context, s *landlord.Store) error { return s.AddStatement(ctx, j.res.RunID, rec) }, nil)
	}
	return failed // the records that waited go with the tenant's final record
}

// recordAhead puts every statement of a database this run created on
// record running at once, with the records that waited, before the first
// runs: one landlord transaction instead of one per statement (a
// provisioning ran ten). The database is strata's alone, so should strata
// die part way, the statements it never reached, closed as interrupted
// ("may or may not have taken effect") and counted as strata's own by the
// drift check, say no more than is true of a database nobody else has
// touched; the next run plans the rest from the live schema. A plan with
// anything but statements to run as the migrator is recorded one
// statement at a time.
func (j *job) recordAhead(ctx context.Context) error {
	if !j.res.Provisioned || j.admin > 0 {
		return nil
	}
	recs := make([]landlord.StatementRecord, len(j.plan.Statements))
	for i, st := range j.plan.Statements {
		if st.Blocked || st.Withheld != "" || st.Archive != nil {
			return nil
		}
		recs[i] = statementRecord(i, st)
		recs[i].Outcome = landlord.StatementRunning
	}
	wctx, cancel := bounded(ctx)
	defer cancel()
	if err := j.flush(wctx, func(ctx context.Context, s *landlord.Store) error { return s.AddStatements(ctx, j.res.RunID, recs) }); err != nil {
		return err
	}
	j.recorded = len(recs)
	return nil
}

// execute runs one statement: recorded running first (if strata dies
// during it, the drift check knows the objects it may have changed are
// strata's own), then run to its end even when ctx is cancelled (for up to
// drainTimeout more: after that recorded interrupted, as it may yet take
// effect), then recorded with its outcome; db is where it runs, run what
// (st.SQL, or st.SQL with the password it withholds). err is the
// statement's failure, typed by the server's error number; recErr a
// landlord write that failed.
func (j *job) execute(ctx context.Context, db execer, rec *landlord.StatementRecord, st planner.Statement, run string) (err, recErr error) {
	rec.Outcome = landlord.StatementRunning
	if rec.Seq > j.recorded {
		running := *rec
		// On record before it runs, with the records that waited (the run's,
		// the previous statement's outcome): one transaction.
		wctx, cancel := bounded(ctx)
		recErr = j.flush(wctx, func(ctx context.Context, s *landlord.Store) error { return s.AddStatement(ctx, j.res.RunID, running) })
		cancel()
		if recErr != nil {
			return nil, recErr
		}
	}
	j.r.emit(StatementStarted{Tenant: j.t.Name, Seq: rec.Seq, SQL: st.SQL})
	began := time.Now()
	dctx, stop := draining(ctx)
	_, execErr := db.ExecContext(dctx, run)
	if execErr != nil && run != st.SQL {
		execErr = redact(execErr) // the server's message could quote the password
	}
	gaveUp := dctx.Err() != nil
	stop()
	rec.Duration = time.Since(began)
	rec.Outcome = landlord.StatementApplied
	switch {
	case execErr != nil && gaveUp: // the server may still finish it
		rec.Outcome = landlord.StatementInterrupted
		rec.Error = fmt.Sprintf("strata stopped and gave up waiting for it after %s: it may or may not take effect", drainTimeout)
		err = interrupted(ctx, fmt.Sprintf("statement %d of %d still running after %s", rec.Seq, len(j.plan.Statements), drainTimeout))
	case execErr != nil:
		rec.Outcome = landlord.StatementFailed
		rec.Error, err = j.statementFailed(ctx, rec.Seq-1, st.SQL, execErr) // lockwait.go
		err = classified(err)
	}
	j.res.Statements = append(j.res.Statements, *rec)
	// Its outcome waits for the next record that may not (records.go).
	done := *rec
	var ev Event = StatementApplied{Tenant: j.t.Name, Record: done}
	if execErr != nil {
		ev = StatementFailed{Tenant: j.t.Name, Record: done}
	}
	j.laterFinish(done, ev)
	return err, nil
}

// execer is where a statement runs: the migrator's pool, or a connection
// of the server's admin.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// drainTimeout bounds how long a statement in flight may still run once ctx
// is cancelled (SIGTERM): generous for any schema change, yet a hung server
// cannot hold the drain forever. A variable for tests.
var drainTimeout = 15 * time.Minute

// draining is a context for a statement that outlives ctx's cancellation
// by drainTimeout.
func draining(ctx context.Context) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(drainTimeout, cancel)
		context.AfterFunc(dctx, func() { t.Stop() })
	})
	return dctx, func() { stop(); cancel() }
}

// bounded is a context for a landlord write that outlives ctx's
// cancellation (a SIGTERM must not leave a statement recorded running),
// bounded by recordTimeout.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

// statementRecord is the landlord's record of the plan's statement i, without an outcome.
func statementRecord(i int, st planner.Statement) landlord.StatementRecord {
	return landlord.StatementRecord{Seq: i + 1, SQL: st.SQL, Kind: string(st.Kind), Objects: objectStrings(st.Objects)}
}

func objectStrings(objs []planner.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.String()
	}
	return out
}
