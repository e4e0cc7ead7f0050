package reconciler

import (
	"context"
	"errors"

	"github.com/stratadb/strata/reconciler/landlord"
)

// A tenant's landlord records are written in as few transactions as the
// safety model allows: each log flush of the landlord costs ~1 ms, and a
// one-statement rollout wrote six, a provisioning some thirty. A record
// that must be on disk before a change (the run, a statement recorded
// running, the provisioning status) is written at once, together with the
// records that could wait (a statement's outcome, a seed that ran, the
// snapshot), which otherwise go with the tenant's final record. Should
// strata die in between, what waited is what a kill during the statement
// leaves too: a statement recorded running (closed as interrupted, still
// strata's own for the drift check), a seed marker the landlord never
// heard of (recorded, not rerun), no new snapshot (the next run re-plans
// from the live schema).

// record is one landlord write of a tenant.
type record func(ctx context.Context, s *landlord.Store) error

// deferred is a record that may wait, with the event that announces it
// (listeners hear of a record once it is written).
type deferred struct {
	write record
	event Event
}

// later queues a record that may wait for the next one that may not.
func (j *job) later(w record, ev Event) {
	j.pending = append(j.pending, deferred{w, ev})
}

// flush writes the queued records and then now, in one transaction (one
// statement alone needs none), and announces the queued records' events.
// When the transaction fails, each record is written on its own, in order,
// so one that cannot be written (a row locked too long) costs only itself,
// as when each was written at once; the error joins those that failed.
func (j *job) flush(ctx context.Context, now ...record) error {
	if len(j.pending)+len(now) == 0 {
		return nil
	}
	runID := j.res.RunID
	all := make([]record, 0, len(j.pending)+len(now))
	for _, d := range j.pending {
		all = append(all, d.write)
	}
	all = append(all, now...)
	var err error
	if len(all) == 1 {
		err = all[0](ctx, j.r.store)
	} else {
		err = j.r.store.Tx(ctx, func(s *landlord.Store) error {
			for _, w := range all {
				if err := w(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
	}
	done := j.pending
	j.pending = nil
	if err != nil && len(all) == 1 && len(done) == 1 {
		done[0].event = nil // not written: not announced
	}
	if err != nil && len(all) > 1 {
		j.res.RunID = runID // a run started in the rolled-back transaction is not on record
		var errs []error
		for i, w := range all {
			if werr := w(ctx, j.r.store); werr != nil {
				errs = append(errs, werr)
				if i < len(done) {
					done[i].event = nil // not written: not announced
				}
			}
		}
		err = errors.Join(errs...)
	}
	j.runQueued = false // written, or failed: openRunLater queues it again
	for _, d := range done {
		if d.event != nil {
			j.r.emit(d.event)
		}
	}
	return err
}

// startRun is the record of the tenant's apply run, once: queue it with
// openRunLater, or write it at once with openRun.
func (j *job) startRun(ctx context.Context, s *landlord.Store) error {
	if j.res.RunID > 0 {
		return nil
	}
	id, err := s.StartRunIn(ctx, j.t.Name, j.r.opts.Commit, j.r.opts.PR, j.t.Wave, j.r.opts.Rollout)
	if err != nil {
		return err
	}
	j.res.RunID = id
	return nil
}

// runOpened reports whether the tenant's run is on record or queued.
func (j *job) runOpened() bool { return j.res.RunID > 0 || j.runQueued }

// openRunLater queues the tenant's run record (unless it is on record or
// queued already), to be written with the record that follows it before
// the first change.
func (j *job) openRunLater() {
	if j.res.RunID > 0 || j.runQueued {
		return
	}
	j.runQueued = true
	j.later(j.startRun, nil)
}
