package daemon

import (
	"context"
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
	stallKey string // key it is stalled at (terminal or blocked)
	class    Class
	failures int       // consecutive transient failures
	next     time.Time // not before
	inFlight bool
	last     *Attempt
}

// due reports whether the tenant should be applied now.
func (st *tenantState) due(now time.Time) bool {
	return !st.inFlight && st.key != "" && st.doneKey != st.key && st.stallKey != st.key && !now.Before(st.next)
}

// dispatch starts workers for due tenants, changed ones first, then by wave
// and name, up to Options.Concurrency running; it returns how many it started.
func (d *Daemon) dispatch(ctx context.Context, results chan<- done) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.gen
	if g == nil {
		return 0
	}
	running := 0
	var due []*tenantState
	now := time.Now()
	for _, st := range d.tenants {
		if st.inFlight {
			running++
		} else if st.due(now) {
			due = append(due, st)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		a, b := due[i], due[j]
		if a.changed != b.changed {
			return a.changed
		}
		if a.wave != b.wave {
			return a.wave < b.wave
		}
		return a.name < b.name
	})
	started := 0
	for _, st := range due {
		if running+started >= d.opts.Concurrency {
			break
		}
		st.inFlight = true
		g.refs++
		started++
		go func(name, key string) { results <- d.work(ctx, g, name, key) }(st.name, st.key)
	}
	return started
}

// nextWake returns how long until the earliest backoff ends.
func (d *Daemon) nextWake() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var next time.Time
	for _, st := range d.tenants {
		if st.inFlight || st.key == "" || st.doneKey == st.key || st.stallKey == st.key || st.next.IsZero() {
			continue
		}
		if next.IsZero() || st.next.Before(next) {
			next = st.next
		}
	}
	if next.IsZero() {
		return 0, false
	}
	return max(time.Until(next), time.Millisecond), true
}

// work applies one tenant of generation g, unless the landlord shows it
// already converged at g's commit (another daemon, or this one before a
// restart, did it).
func (d *Daemon) work(ctx context.Context, g *generation, name, key string) done {
	out := done{name: name, key: key, gen: g}
	t := g.fleet.Tenant(name)
	d.mu.Lock()
	store := d.store
	d.mu.Unlock()
	if g.commit != "" {
		rec, err := store.Tenant(ctx, name)
		if err == nil && rec.Status == landlord.StatusActive && rec.LastError == "" &&
			rec.LastAppliedCommit == g.commit && rec.DesiredHash == t.LayerHash() {
			out.skipped = true
			out.res = reconciler.TenantResult{Name: name, Database: t.Database, Server: t.Server, Outcome: reconciler.OutcomeConverged}
			return out
		}
	}
	// Apply closes the runs a killed strata left running once it holds the
	// tenant's lock (reconciler/lock.go), and reports how many.
	res, err := g.rec.Apply(ctx, []string{name})
	if err != nil && (res == nil || len(res.Tenants) == 0) {
		out.err = err
		out.res = reconciler.TenantResult{Name: name, Outcome: reconciler.OutcomeFailed, Error: err.Error()}
		return out
	}
	out.res = res.Tenants[0]
	d.m.Interrupted.Add(float64(out.res.Interrupted))
	if len(res.Plan.Tenants) > 0 {
		tp := res.Plan.Tenants[0]
		out.plan = &tp
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
	if !r.skipped && r.res.Outcome != reconciler.OutcomeLocked {
		d.m.Duration.WithLabelValues(outcome).Observe(r.res.Duration.Seconds())
	}
	now := time.Now()
	d.mu.Lock()
	r.gen.refs--
	if r.gen.retired && r.gen.refs == 0 {
		r.gen.close()
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
	if r.skipped {
		st.last.Plan = nil
	}
	var retryIn time.Duration
	switch class {
	case ClassOK:
		st.doneKey, st.failures, st.next = r.key, 0, time.Time{}
	case ClassBlocked, ClassTerminal:
		st.stallKey, st.failures, st.next = r.key, 0, time.Time{}
	case ClassLocked:
		retryIn = jitter(min(lockRetry, d.opts.Poll))
		st.next = now.Add(retryIn)
	case ClassTransient:
		st.failures++
		retryIn = backoff(st.failures, d.opts.Backoff, d.opts.MaxBackoff)
		st.next = now.Add(retryIn)
	}
	failures := st.failures
	d.mu.Unlock()

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
	case ClassTerminal:
		log.Error("tenant stalled until the spec changes or the next drift sweep", "err", r.res.Error)
	case ClassLocked:
		log.Info("another strata holds this tenant; retrying", "retry_in", retryIn)
	default:
		log.Warn("tenant failed; retrying with backoff", "err", r.res.Error, "failures", failures, "retry_in", retryIn)
	}
	d.refreshGauges()
}

// refreshGauges recomputes the per-class and per-status tenant gauges.
func (d *Daemon) refreshGauges() {
	d.mu.Lock()
	counts := map[Class]int{}
	for _, st := range d.tenants {
		if st.key != "" && st.doneKey != st.key && st.class != ClassOK && st.class != "" {
			counts[st.class]++
		}
	}
	store := d.store
	d.mu.Unlock()
	for _, c := range []Class{ClassTransient, ClassTerminal, ClassBlocked, ClassLocked} {
		d.m.Waiting.WithLabelValues(string(c)).Set(float64(counts[c]))
	}
	if store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	byStatus, err := store.Counts(ctx)
	if err != nil {
		return // the landlord may not exist yet; the next refresh catches up
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
