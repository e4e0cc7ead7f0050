package daemon

import (
	"context"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/rollout"
)

// rolloutWrite bounds recording a rollout transition in the landlord; the
// loop waits for it.
const rolloutWrite = 5 * time.Second

// newGate starts generation g's rollout from wave 0 over its shard's
// tenants, with what the loop already knows of them at g's keys: a tenant
// converged at its key passed, one stalled at it failed. d.mu is held.
func (d *Daemon) newGate(g *generation) {
	mode := landlord.ModeGated
	if d.opts.AllWaves {
		mode = landlord.ModeAllWaves
	}
	g.gate = rollout.NewGate(g.commit, mode, g.fleet.Config.Rollout, g.fleet.Waves(g.names), d.clock.Now())
	for _, name := range g.names {
		st := d.tenants[name]
		switch {
		case st == nil:
		case st.doneKey == g.key(name):
			g.gate.Observe(name, rollout.Passed, false, "")
		case st.stallKey == g.key(name):
			g.gate.Observe(name, verdict(st.class), false, errorOf(st.last))
		}
	}
}

// verdict is what a tenant's class means to its wave: transient and locked
// tenants are tried again, so they are pending.
func verdict(c Class) rollout.Verdict {
	switch c {
	case ClassOK, ClassBlocked, ClassWaiting:
		return rollout.Passed
	case ClassStalled:
		return rollout.Failed
	}
	return rollout.Pending
}

func errorOf(a *Attempt) string {
	if a == nil {
		return ""
	}
	return a.Error
}

// observe gives the current generation's gate a finished tenant's verdict;
// d.mu is held.
func (d *Daemon) observe(r done, class Class) {
	g := d.gen
	if g == nil || r.gen != g || g.gate == nil {
		return // a retired generation's result: its rollout is over
	}
	v, why := verdict(class), r.res.Error
	if r.checkErr != nil {
		v, why = rollout.Failed, r.checkErr.Error()
	}
	g.gate.Observe(r.name, v, !r.skipped && rollout.Changed(r.res), why)
}

// advance moves the current rollout as far as the verdicts and the clock
// allow, then records and announces its transitions.
func (d *Daemon) advance(ctx context.Context) {
	d.mu.Lock()
	g := d.gen
	if g == nil || g.gate == nil {
		d.mu.Unlock()
		return
	}
	evs := g.gate.Step(d.clock.Now())
	rec := g.gate.Record()
	save := len(evs) > 0 || (!g.recorded && g.started)
	g.recorded = g.recorded || save
	store := d.store
	d.mu.Unlock()
	d.rolloutGauges(rec)
	if !save {
		return
	}
	if store != nil {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rolloutWrite)
		if err := store.SaveRollout(wctx, rec); err != nil {
			d.log.Warn("cannot record the rollout in the landlord", "commit", short(rec.Commit), "err", err)
		}
		cancel()
	}
	for _, ev := range evs {
		log := d.log.With("commit", short(ev.Commit), "wave", ev.Wave, "event", string(ev.Kind))
		if ev.Kind == rollout.Halted {
			log.Error(ev.String(), "reason", ev.Rollout.Reason)
		} else {
			log.Info(ev.String())
		}
		d.notifyRolloutEvent(g, ev)
		if d.opts.OnRollout != nil {
			d.opts.OnRollout(ev)
		}
	}
}

// rolloutGauges sets the rollout metrics from rec.
func (d *Daemon) rolloutGauges(rec landlord.Rollout) {
	halted := 0.0
	if rec.Status == landlord.RolloutHalted {
		halted = 1
	}
	d.m.RolloutHalted.Set(halted)
	d.m.RolloutWave.Set(float64(rec.Wave))
}
