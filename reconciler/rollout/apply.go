package rollout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// VerdictOf is what a tenant's apply result means to its wave. retried
// says whether the caller tries a transient failure again (the daemon
// does; strata apply does not, so there it fails the wave).
func VerdictOf(tr reconciler.TenantResult, retried bool) Verdict {
	switch tr.Outcome {
	case reconciler.OutcomeConverged, reconciler.OutcomeBlocked, reconciler.OutcomeDrifted, reconciler.OutcomeDiverged,
		reconciler.OutcomeSuspended, reconciler.OutcomeDecommissioned:
		return Passed
	case reconciler.OutcomeLocked, reconciler.OutcomeInterrupted, reconciler.OutcomeHeld:
		// A held tenant (strata pause) is not a failure of its wave: the
		// wave waits for it, as the daemon's does, until it is resumed.
		return Pending
	}
	switch reconciler.KindOf(tr.Err) {
	case reconciler.KindWaiting:
		return Passed
	case reconciler.KindTransient:
		if retried {
			return Pending
		}
	}
	return Failed
}

// Changed reports whether an apply changed the tenant: it was provisioned
// or a statement ran. A wave that changed nothing is not baked.
func Changed(tr reconciler.TenantResult) bool {
	if tr.Provisioned {
		return true
	}
	for _, s := range tr.Statements {
		if s.Outcome == landlord.StatementApplied {
			return true
		}
	}
	return false
}

// Options tune Apply.
type Options struct {
	// Commit is the commit rolled out (the reconciler's Options.Commit).
	Commit string
	// Mode is landlord.ModeGated (default), ModeWave (only Wave, by hand)
	// or ModeAllWaves (every wave without gating, an emergency).
	Mode string
	Wave int
	// Listener receives every transition; nil drops them.
	Listener func(Event)
	// Now and Sleep replace the clock in tests; nil: the real one.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
}

// ErrNoWave is Apply's error when --wave names a wave no tenant is in.
var ErrNoWave = errors.New("no tenant is in this wave")

// Apply rolls out the reconciler's commit by wave (strata apply): wave by
// wave through r.Apply, each checked (rollout.check) and recorded in the
// landlord; it stops at a wave over its budget (halted) or one a tenant of
// which another strata holds (apply again later). It returns the results of
// every tenant applied, in wave order, and the rollout as recorded.
func Apply(ctx context.Context, r *reconciler.Reconciler, fleet *spec.Fleet, opts Options) (*reconciler.Result, landlord.Rollout, error) {
	now, sleep := opts.Now, opts.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	if opts.Mode == "" {
		opts.Mode = landlord.ModeGated
	}
	waves := fleet.Waves(nil)
	store, err := r.Landlord(ctx)
	if err != nil {
		return nil, landlord.Rollout{}, err
	}
	out := &reconciler.Result{Plan: &planner.Plan{Commit: opts.Commit}}
	if opts.Mode == landlord.ModeWave {
		return applyOne(ctx, r, fleet, store, waves, opts, out, now)
	}
	// One pass (the landlord's runs and baselines, one fingerprint pass
	// per server) serves every wave: each tenant checks under its lock
	// that the pass still describes it.
	pass, err := r.Prepare(ctx, nil)
	if err != nil {
		return nil, landlord.Rollout{}, err
	}
	g := NewGate(opts.Commit, opts.Mode, fleet.Config.Rollout, waves, now())
	emit := func(evs []Event) error {
		for _, ev := range evs {
			if opts.Listener != nil {
				opts.Listener(ev)
			}
		}
		return store.SaveRollout(context.WithoutCancel(ctx), g.Record())
	}
	if err := emit(nil); err != nil {
		return nil, g.Record(), err
	}
	for !g.Done() && !g.Halted() {
		if ends := g.BakeEnds(); !ends.IsZero() {
			if err := sleep(ctx, ends.Sub(now())); err != nil {
				return finish(out), g.Record(), err
			}
			if err := emit(g.Step(now())); err != nil {
				return finish(out), g.Record(), err
			}
			continue
		}
		tenants := g.Tenants()
		if opts.Mode == landlord.ModeAllWaves {
			tenants = nil
			for _, w := range waves {
				tenants = append(tenants, w.Tenants...)
			}
		}
		res, applyErr := r.ApplyPass(ctx, pass, tenants)
		if res != nil {
			observe(ctx, r, g, fleet, res)
			out.Tenants = append(out.Tenants, res.Tenants...)
			out.Plan.Tenants = append(out.Plan.Tenants, res.Plan.Tenants...)
		}
		if applyErr != nil {
			emit(nil)
			return finish(out), g.Record(), applyErr
		}
		before := g.Wave()
		if err := emit(g.Step(now())); err != nil {
			return finish(out), g.Record(), err
		}
		if !g.Done() && !g.Halted() && g.BakeEnds().IsZero() && g.Wave() == before {
			// A tenant of the wave is held by another strata: the wave
			// cannot be confirmed now.
			return finish(out), g.Record(), nil
		}
	}
	return finish(out), g.Record(), nil
}

// applyOne applies one wave by hand (strata apply --wave N): no gating;
// the wave's record in the commit's rollout is updated.
func applyOne(ctx context.Context, r *reconciler.Reconciler, fleet *spec.Fleet, store *landlord.Store, waves []spec.Wave,
	opts Options, out *reconciler.Result, now func() time.Time) (*reconciler.Result, landlord.Rollout, error) {
	var wave *spec.Wave
	for i := range waves {
		if waves[i].Number == opts.Wave {
			wave = &waves[i]
		}
	}
	if wave == nil {
		return nil, landlord.Rollout{}, fmt.Errorf("rollout: wave %d: %w", opts.Wave, ErrNoWave)
	}
	g := NewGate(opts.Commit, landlord.ModeWave, fleet.Config.Rollout, []spec.Wave{*wave}, now())
	res, applyErr := r.Apply(ctx, wave.Tenants)
	if res == nil {
		return nil, g.Record(), applyErr
	}
	observe(ctx, r, g, fleet, res)
	evs := g.Step(now())
	rec, err := store.ReadRollout(ctx, opts.Commit)
	if errors.Is(err, landlord.ErrNotFound) {
		rec = g.Record()
	} else if err != nil {
		return res, rec, err
	} else {
		mine := g.Record().Waves[0]
		if w := rec.WaveOf(opts.Wave); w != nil {
			if !w.StartedAt.IsZero() {
				mine.StartedAt = w.StartedAt
			}
			*w = mine
		} else {
			rec.Waves = append(rec.Waves, mine)
		}
		rec.UpdatedAt = now().UTC()
	}
	if err := store.SaveRollout(context.WithoutCancel(ctx), rec); err != nil {
		return res, rec, err
	}
	for _, ev := range evs {
		// The one-wave gate's Finished is not the commit's: the rest of
		// the rollout is as recorded.
		if opts.Listener != nil && ev.Kind != Finished {
			ev.Rollout = rec
			opts.Listener(ev)
		}
	}
	out.Tenants, out.Plan.Tenants = res.Tenants, res.Plan.Tenants
	return finish(out), rec, applyErr
}

// observe gives g the verdict of every tenant of res, running the post-wave
// check (rollout.check) on those that passed.
func observe(ctx context.Context, r *reconciler.Reconciler, g *Gate, fleet *spec.Fleet, res *reconciler.Result) {
	for _, tr := range res.Tenants {
		v, why := VerdictOf(tr, false), tr.Error
		if v == Passed && fleet.Config.Rollout.Check != "" && tr.Outcome != reconciler.OutcomeSuspended && tr.Outcome != reconciler.OutcomeDecommissioned {
			if err := r.Check(ctx, tr.Name, fleet.Config.Rollout.Check); err != nil {
				v, why = Failed, err.Error()
			}
		}
		g.Observe(tr.Name, v, Changed(tr), why)
	}
}

func finish(res *reconciler.Result) *reconciler.Result {
	res.Plan.Summarize()
	return res
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
