package daemon

import (
	"context"
	"fmt"
	"strings"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/notify"
	"github.com/stratadb/strata/reconciler/rollout"
	"github.com/stratadb/strata/spec"
)

// failAfter is how many transient failures in a row make a tenant failed
// for the notifier: one deadlock is retried, not paged.
const failAfter = 3

var _ notify.State = (*landlord.Store)(nil)

// report hands ev to the notifier, if any.
func (d *Daemon) report(ev notify.Event) {
	if d.opts.Notify != nil {
		ev.At = d.clock.Now()
		d.opts.Notify.Report(ev)
	}
}

// notifyTenant tells what a finished attempt left the tenant in: failed
// (stalled, or transient failures >= failAfter), blocked, or neither
// (converged), which resolves what was told before. Waiting and locked
// tenants, and tenants held with their unreachable server, change nothing.
func (d *Daemon) notifyTenant(r done, class Class, failures int, outage bool) {
	if d.opts.Notify == nil || outage {
		return
	}
	var labels map[string]string
	if t := r.gen.fleet.Tenant(r.name); t != nil {
		labels = t.Labels
	}
	ev := func(k notify.Kind, detail string, resolved bool) {
		d.report(notify.Event{Kind: k, Tenant: r.name, Labels: labels, Commit: r.gen.commit, Detail: detail, Resolved: resolved})
	}
	switch {
	case class == ClassOK:
		ev(notify.TenantFailed, "", true)
		ev(notify.TenantBlocked, "", true)
	case class == ClassBlocked:
		ev(notify.TenantFailed, "", true)
		ev(notify.TenantBlocked, "waits for: "+strings.Join(blockedApprovals(r.plan), ", "), false)
	case class == ClassStalled, class == ClassTransient && failures >= failAfter:
		ev(notify.TenantFailed, r.res.Error, false)
	}
}

// notifyGone resolves what was told about tenants that left the fleet or
// the shard.
func (d *Daemon) notifyGone(names []string) {
	for _, name := range names {
		for _, k := range []notify.Kind{notify.TenantFailed, notify.TenantBlocked, notify.Drift} {
			d.report(notify.Event{Kind: k, Tenant: name, Resolved: true, Detail: "left the fleet"})
		}
	}
}

// notifyDrift tells each drifted tenant of a sweep, and resolves the drift
// of tenants found back in sync.
func (d *Daemon) notifyDrift(g *generation, res *reconciler.DriftResult) {
	if d.opts.Notify == nil {
		return
	}
	for _, td := range res.Tenants {
		var labels map[string]string
		if t := g.fleet.Tenant(td.Name); t != nil {
			labels = t.Labels
		}
		ev := notify.Event{Kind: notify.Drift, Tenant: td.Name, Labels: labels, Commit: g.commit}
		switch td.State {
		case reconciler.DriftFound:
			ev.Severity, ev.Detail = td.Severity, driftDetail(td)
			d.report(ev)
		case reconciler.DriftNone:
			ev.Resolved = true
			d.report(ev)
		}
	}
}

// driftDetail lists a drift's differences (all of them: a new difference
// is a changed problem, told again).
func driftDetail(td reconciler.TenantDrift) string {
	parts := make([]string, 0, len(td.Differences)+len(td.Unmanaged))
	for _, df := range td.Differences {
		parts = append(parts, df.String())
	}
	for _, u := range td.Unmanaged {
		parts = append(parts, "unmanaged "+u.Object)
	}
	return fmt.Sprintf("score %d: %s", td.Score, strings.Join(parts, "; "))
}

// notifyRollout tells, once per generation without a rollout gate, that
// every tenant of this shard reached the end of its rollout: converged, or
// waiting for a person (stalled, blocked, waiting, failing again and
// again). With a gate its Finished event tells it (notifyRolloutEvent).
// d.mu is held.
func (d *Daemon) notifyRollout(g *generation) {
	if d.opts.Notify == nil || g != d.gen || g.announced || g.gate != nil {
		return
	}
	if detail, settled := d.rolloutCounts(g); settled {
		g.announced = true
		d.report(notify.Event{Kind: notify.RolloutFinished, Commit: g.commit, Detail: detail})
	}
}

// rolloutCounts counts g's tenants by where their rollout ended, and
// reports whether every one has (none in flight, due or backing off).
// d.mu is held.
func (d *Daemon) rolloutCounts(g *generation) (string, bool) {
	counts := map[string]int{}
	settled := true
	for _, st := range d.tenants {
		if st.key != g.key(st.name) {
			continue
		}
		switch {
		case st.inFlight:
			settled = false
		case st.doneKey == st.key:
			counts["converged"]++
		case st.stallKey == st.key:
			counts[string(st.class)]++
		case st.class == ClassTransient && st.failures >= failAfter:
			counts["failing"]++
		default:
			settled = false // due, or backing off
		}
	}
	var parts []string
	for _, k := range []string{"converged", "failing", string(ClassStalled), string(ClassBlocked), string(ClassWaiting)} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return strings.Join(parts, ", "), settled
}

// notifyRolloutEvent tells a rollout gate's end and halts: Finished (with
// the tenants' counts), Halted (with the gate's reason) and Resumed, which
// resolves the halt.
func (d *Daemon) notifyRolloutEvent(g *generation, ev rollout.Event) {
	if d.opts.Notify == nil {
		return
	}
	switch ev.Kind {
	case rollout.Finished:
		d.mu.Lock()
		detail, _ := d.rolloutCounts(g)
		d.mu.Unlock()
		d.report(notify.Event{Kind: notify.RolloutFinished, Commit: ev.Commit, Detail: detail})
		d.NotifyRolloutHalted(ev.Commit, "", true) // an earlier commit's halt is over too
	case rollout.Halted:
		d.NotifyRolloutHalted(ev.Commit, fmt.Sprintf("wave %d: %s", ev.Wave, ev.Rollout.Reason), false)
	case rollout.Resumed:
		d.NotifyRolloutHalted(ev.Commit, fmt.Sprintf("wave %d is back within its budget", ev.Wave), true)
	}
}

// NotifyRolloutHalted tells the notify: receivers that the rollout of
// commit stopped before its end, and why (detail); resumed tells that the
// halt cleared. The rollout gate's events call it.
func (d *Daemon) NotifyRolloutHalted(commit, detail string, resumed bool) {
	d.report(notify.Event{Kind: notify.RolloutHalted, Commit: commit, Detail: detail, Resolved: resumed})
}

// notifyConfig tells that the newest commit is invalid (errs), or valid
// again (errs nil), which resolves it.
func (d *Daemon) notifyConfig(commit string, errs []string) {
	d.report(notify.Event{Kind: notify.ConfigInvalid, Commit: commit, Detail: strings.Join(errs, "\n"), Resolved: errs == nil})
}

// useNotifyState makes the notifier keep its open problems in the
// landlord, once it is migrated (by the first pass).
func (d *Daemon) useNotifyState(ctx context.Context) {
	d.mu.Lock()
	store, done := d.store, d.notifyState
	d.notifyState = true
	d.mu.Unlock()
	if d.opts.Notify == nil || store == nil || done {
		return
	}
	if err := d.opts.Notify.UseState(ctx, store); err != nil {
		d.log.Warn("cannot read notifications from the landlord; open problems may be told again", "err", err)
	}
}

// configureNotify sets the receivers of a valid commit.
func (d *Daemon) configureNotify(recv []spec.Receiver) {
	if d.opts.Notify == nil {
		return
	}
	if err := d.opts.Notify.Configure(recv); err != nil {
		d.log.Warn("some notify: receivers are left out", "err", err)
	}
}
