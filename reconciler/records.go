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
// (listeners hear of a record once it is written). finish, when set, is a
// statement's outcome: consecutive ones are written in one UPDATE.
type deferred struct {
	write  record
	event  Event
	finish *landlord.StatementRecord
}

// later queues a record that may wait for the next one that may not.
func (j *job) later(w record, ev Event) {
	j.pending = append(j.pending, deferred{write: w, event: ev})
}

// laterFinish queues the outcome of a statement recorded running.
func (j *job) laterFinish(rec landlord.StatementRecord, ev Event) {
	j.pending = append(j.pending, deferred{event: ev, finish: &rec})
}

// write is one landlord write of flush: of queued records pending[from:to]
// (none for a record written now).
type write struct {
	do       record
	from, to int
}

// writes returns the queued records, then now, as flush writes them: each
// run of consecutive statement outcomes as one.
func (j *job) writes(now []record) []write {
	var out []write
	for i := 0; i < len(j.pending); {
		if j.pending[i].finish == nil {
			out = append(out, write{j.pending[i].write, i, i + 1})
			i++
			continue
		}
		var recs []landlord.StatementRecord
		k := i
		for ; k < len(j.pending) && j.pending[k].finish != nil; k++ {
			recs = append(recs, *j.pending[k].finish)
		}
		out = append(out, write{func(ctx context.Context, s *landlord.Store) error { return s.FinishStatements(ctx, j.res.RunID, recs) }, i, k})
		i = k
	}
	for _, w := range now {
		out = append(out, write{do: w})
	}
	return out
}

// flush writes the queued records and then now, in one transaction (one
// write alone needs none), and announces the queued records' events.
// When the transaction fails, each write is made on its own, in order,
// so one that cannot be written (a row locked too long) costs only itself
// (a run of outcomes, its run), as when each was written at once; the
// error joins those that failed. A transaction whose outcome is unknown
// (landlord.ErrOutcomeUnknown) is not written again: the next run finds
// what it left. A run it started is forgotten (its id is unknown), and the
// tenant's failure goes on record in a run of its own: the first, if it
// was written, stays running until the next apply closes it as
// interrupted, as a killed strata's would.
func (j *job) flush(ctx context.Context, now ...record) error {
	if len(j.pending)+len(now) == 0 {
		return nil
	}
	all := j.writes(now)
	done := j.pending
	j.pending = nil
	unannounced := func(w write) {
		for i := w.from; i < w.to; i++ {
			done[i].event = nil // not written: not announced
		}
	}
	var err error
	if len(all) == 1 {
		if err = all[0].do(ctx, j.r.store); err != nil {
			unannounced(all[0])
		}
	} else if err = j.r.store.Batch(ctx, func(s *landlord.Store) error {
		for _, w := range all {
			if err := w.do(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}, &j.res.RunID); errors.Is(err, landlord.ErrOutcomeUnknown) {
		for _, w := range all { // perhaps written: neither announced nor written again
			unannounced(w)
		}
	} else if err != nil {
		var errs []error
		for _, w := range all {
			if werr := w.do(ctx, j.r.store); werr != nil {
				errs = append(errs, werr)
				unannounced(w)
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
