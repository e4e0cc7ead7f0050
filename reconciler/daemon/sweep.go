package daemon

import (
	"context"
	"sort"
)

// startSweep runs the drift sweep over this shard's tenants in the
// background (one at a time) and lets stalled and waiting tenants try
// again: the database may have been fixed by hand. The next apply prepares
// a new pass.
func (d *Daemon) startSweep(ctx context.Context, out chan<- error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, st := range d.tenants {
		if (st.class == ClassStalled || st.class == ClassWaiting) && st.stallKey == st.key {
			st.stallKey = ""
		}
	}
	g := d.gen
	if g != nil {
		g.dropPass()
	}
	if d.opts.Sweep == nil || g == nil || d.sweeping {
		return
	}
	names := make([]string, 0, len(d.tenants))
	for name := range d.tenants {
		names = append(names, name)
	}
	sort.Strings(names)
	d.sweeping = true
	d.sweep.started = d.clock.Now()
	g.refs++
	go func() {
		res, err := g.eng.Sweep(ctx, names)
		d.m.Drift.Reset()
		if res != nil {
			for sev, n := range res.Summary.BySeverity {
				d.m.Drift.WithLabelValues(string(sev)).Set(float64(n))
			}
			d.notifyDrift(g, res)
		}
		d.mu.Lock()
		d.release(g)
		d.mu.Unlock()
		out <- err
	}()
}

// sweepDone logs the end of a drift sweep.
func (d *Daemon) sweepDone(err error) {
	d.mu.Lock()
	d.sweeping = false
	d.sweep.finished, d.sweep.err = d.clock.Now(), errText(err)
	d.mu.Unlock()
	if err != nil {
		d.log.Warn("drift sweep failed", "err", err)
		return
	}
	d.log.Info("drift sweep done")
}
