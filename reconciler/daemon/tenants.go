package daemon

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
)

// lockRetry is how soon a tenant another strata holds is tried again.
const lockRetry = 2 * time.Second

// tenantState is the loop's view of one tenant of its shard. Guarded by Daemon.mu.
type tenantState struct {
	name     string
	wave     int
	key      string // what the current generation asks of it
	changed  bool   // its spec changed in the current generation: it goes first
	doneKey  string // key it last converged at
	stallKey string // key it waits at (stalled, blocked or waiting)
	class    Class
	failures int       // consecutive transient failures
	next     time.Time // not before
	inFlight bool
	held     bool // an operator paused it (Daemon.holds)
	last     *Attempt
}

// due reports whether the tenant should be applied now.
func (st *tenantState) due(now time.Time) bool {
	return !st.inFlight && !st.held && st.key != "" && st.doneKey != st.key && st.stallKey != st.key && !now.Before(st.next)
}

// dispatch starts workers for due tenants, changed ones first, then by wave
// and name, up to Options.Concurrency running; it returns how many it started.
// It runs after every finished tenant, so it keeps only the first
// Concurrency due tenants as it scans instead of sorting them all, and asks
// whether a tenant's server is held only of those that would be among them:
// a first pass over 10,000 tenants spent most of its time here.
func (d *Daemon) dispatch(ctx context.Context, results chan<- done) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.gen
	if g == nil {
		return 0
	}
	running := 0
	first := make([]*tenantState, 0, d.opts.Concurrency+1) // the due tenants that go first, in order
	now := d.clock.Now()
	for _, st := range d.tenants {
		switch {
		case st.inFlight:
			running++
		case !st.due(now):
		case len(first) == d.opts.Concurrency && !goesBefore(st, first[len(first)-1]):
		case d.held(g, st.name) || (g.gate != nil && !g.gate.Allows(st.name)):
		default:
			i := sort.Search(len(first), func(i int) bool { return goesBefore(st, first[i]) })
			first = slices.Insert(first, i, st)
			first = first[:min(len(first), d.opts.Concurrency)]
		}
	}
	started := 0
	for _, st := range first[:max(0, min(len(first), d.opts.Concurrency-running))] {
		st.inFlight = true
		g.refs++
		started++
		go func(name, key string) { results <- d.work(ctx, g, name, key) }(st.name, st.key)
	}
	return started
}

// goesBefore reports whether due tenant a is applied before b: a changed
// tenant first, then the earlier wave, then by name.
func goesBefore(a, b *tenantState) bool {
	if a.changed != b.changed {
		return a.changed
	}
	if a.wave != b.wave {
		return a.wave < b.wave
	}
	return a.name < b.name
}

// nextWake returns how long until the earliest backoff ends.
func (d *Daemon) nextWake() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var next time.Time
	for _, st := range d.tenants {
		if st.inFlight || st.held || st.key == "" || st.doneKey == st.key || st.stallKey == st.key || st.next.IsZero() {
			continue
		}
		if next.IsZero() || st.next.Before(next) {
			next = st.next
		}
	}
	if sw := d.serverWake(); !sw.IsZero() && (next.IsZero() || sw.Before(next)) {
		next = sw
	}
	if d.gen != nil && d.gen.gate != nil {
		if b := d.gen.gate.BakeEnds(); !b.IsZero() && (next.IsZero() || b.Before(next)) {
			next = b // the next wave starts
		}
	}
	if next.IsZero() {
		return 0, false
	}
	return max(next.Sub(d.clock.Now()), time.Millisecond), true
}

// work applies one tenant of generation g through the generation's pass,
// prepared by the first worker that needs it.
func (d *Daemon) work(ctx context.Context, g *generation, name, key string) done {
	out := done{name: name, key: key, gen: g}
	p, fresh, err := g.prepared(ctx)
	if err != nil {
		t := g.fleet.Tenant(name)
		err = fmt.Errorf("daemon: prepare the pass of commit %s: %w", short(g.commit), err)
		out.probes = ping(ctx, g, g.fleet.Config.LandlordServer())
		out.res = reconciler.TenantResult{Name: name, Database: t.Database, Server: t.Server,
			Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		return out
	}
	if fresh {
		d.loadStatuses(ctx)
		d.useNotifyState(ctx)
	}
	out.applied = p.Apply(ctx, name)
	if Classify(out.res) == ClassTransient && ctx.Err() == nil {
		// Is it the tenant, or its server or the landlord's? An outage is
		// the server's to wait for, not each tenant's to back off from.
		out.probes = ping(ctx, g, g.fleet.Tenant(name).Server, g.fleet.Config.LandlordServer())
	}
	return out
}

// finish records a worker's report and decides when the tenant is next due.
func (d *Daemon) finish(r done) {
	class := Classify(r.res)
	outcome := string(r.res.Outcome)
	if r.skipped {
		outcome = "skipped"
	}
	d.m.Reconciles.WithLabelValues(outcome).Inc()
	d.m.Interrupted.Add(float64(r.res.Interrupted))
	if !r.skipped && r.res.Outcome != reconciler.OutcomeLocked {
		d.m.Duration.WithLabelValues(outcome).Observe(r.res.Duration.Seconds())
	}
	d.serversSeen(r.probes)
	now := d.clock.Now()
	d.mu.Lock()
	d.release(r.gen)
	if s, ok := landlordStatus(r); ok {
		d.statuses[r.name] = s
	}
	st := d.tenants[r.name]
	if st == nil { // left the fleet or the shard meanwhile
		d.mu.Unlock()
		d.refreshGauges()
		return
	}
	st.inFlight, st.class = false, class
	st.last = &Attempt{Commit: r.gen.commit, PR: r.gen.pr, Outcome: outcome, Class: class, Error: r.res.Error,
		At: now, Duration: r.res.Duration, RunID: r.res.RunID, Plan: r.plan}
	var retryIn time.Duration
	outage := class == ClassTransient && d.held(r.gen, r.name)
	switch {
	case outage: // held with its server: no backoff of its own, no log line of its own
		st.next = time.Time{}
	case class == ClassOK:
		st.doneKey, st.failures, st.next = r.key, 0, time.Time{}
	case class == ClassLocked:
		retryIn = jitter(min(lockRetry, d.opts.Poll))
		st.next = now.Add(retryIn)
	case class == ClassTransient:
		st.failures++
		retryIn = backoff(st.failures, d.opts.Backoff, d.opts.MaxBackoff)
		st.next = now.Add(retryIn)
	default: // stalled, blocked, waiting: not retried at this key
		st.stallKey, st.failures, st.next = r.key, 0, time.Time{}
	}
	failures := st.failures
	d.notifyRollout(r.gen)
	d.observe(r, class)
	if r.gen == d.gen {
		r.gen.started = true
	}
	d.mu.Unlock()
	d.notifyTenant(r, class, failures, outage)
	if outage {
		d.log.Debug("tenant failed while its server is unreachable; held with the server", "tenant", r.name, "err", r.res.Error)
	} else {
		d.logFinish(r, outcome, class, failures, retryIn)
	}
	d.refreshGauges()
}

// logFinish logs a finished attempt, at a level that says whether anyone
// needs to act.
func (d *Daemon) logFinish(r done, outcome string, class Class, failures int, retryIn time.Duration) {
	log := d.log.With("tenant", r.name, "commit", short(r.gen.commit), "outcome", outcome, "class", string(class))
	switch class {
	case ClassOK:
		if r.skipped {
			log.Debug("already converged at this commit")
		} else {
			log.Info("tenant converged", "statements", len(r.res.Statements), "duration", r.res.Duration)
		}
	case ClassBlocked:
		log.Warn("tenant waits for an approval in Git", "plan", blockedApprovals(r.plan))
	case ClassWaiting:
		log.Warn("tenant waits for a person; looked at again at the next drift sweep", "reason", r.res.Error)
	case ClassStalled:
		log.Error("tenant stalled until the spec changes or the next drift sweep", "err", r.res.Error)
	case ClassLocked:
		log.Info("another strata holds this tenant; retrying", "retry_in", retryIn)
	default:
		log.Warn("tenant failed; retrying with backoff", "err", r.res.Error, "failures", failures, "retry_in", retryIn)
	}
}

// landlordStatus is the landlord status r's apply left its tenant in; false
// when it left the record as it was (another strata holds the tenant).
func landlordStatus(r done) (landlord.Status, bool) {
	if r.skipped {
		return landlord.StatusActive, true
	}
	switch r.res.Outcome {
	case reconciler.OutcomeConverged, reconciler.OutcomeBlocked:
		return landlord.StatusActive, true
	case reconciler.OutcomeDrifted:
		return landlord.StatusDrifted, true
	case reconciler.OutcomeSuspended:
		return landlord.StatusSuspended, true
	case reconciler.OutcomeDecommissioned:
		return landlord.StatusDecommissioned, true
	case reconciler.OutcomeFailed:
		return landlord.StatusFailed, true
	}
	return "", false
}

// loadStatuses reads every tenant's landlord status once per pass; each
// finished tenant then updates its own (finish), so the gauge is current
// without a query per tenant.
func (d *Daemon) loadStatuses(ctx context.Context) {
	d.mu.Lock()
	store := d.store
	d.mu.Unlock()
	if store == nil {
		return
	}
	recs, err := store.Tenants(ctx, 0)
	if err != nil {
		d.log.Debug("cannot read tenant statuses for the metrics; counting from results", "err", err)
		return
	}
	d.mu.Lock()
	for _, rec := range recs {
		d.statuses[rec.Name] = rec.Status
	}
	d.mu.Unlock()
	d.refreshGauges()
}

// refreshGauges recomputes the per-class and per-status tenant gauges from
// memory: no query.
func (d *Daemon) refreshGauges() {
	d.mu.Lock()
	counts := map[Class]int{}
	for _, st := range d.tenants {
		if st.key != "" && st.doneKey != st.key && st.class != ClassOK && st.class != "" {
			counts[st.class]++
		}
	}
	byStatus := map[landlord.Status]int{}
	for _, s := range d.statuses {
		byStatus[s]++
	}
	d.mu.Unlock()
	for _, c := range []Class{ClassTransient, ClassStalled, ClassBlocked, ClassWaiting, ClassLocked} {
		d.m.Waiting.WithLabelValues(string(c)).Set(float64(counts[c]))
	}
	for _, s := range landlord.Statuses {
		d.m.Tenants.WithLabelValues(string(s)).Set(float64(byStatus[s]))
	}
}

func blockedApprovals(tp *planner.TenantPlan) []string {
	if tp == nil {
		return nil
	}
	var out []string
	for _, s := range tp.Statements {
		if s.Blocked {
			out = append(out, s.Approval)
		}
	}
	return out
}
