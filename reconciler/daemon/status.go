package daemon

import (
	"sort"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
)

// Attempt is the daemon's memory of a tenant's last attempt; the landlord
// holds the full history.
type Attempt struct {
	Commit   string              `json:"commit,omitempty"`
	PR       int                 `json:"pr,omitempty"`
	Outcome  string              `json:"outcome"` // a reconciler outcome, or "skipped" (already converged at this commit)
	Class    Class               `json:"class"`
	Error    string              `json:"error,omitempty"`
	At       time.Time           `json:"at"`
	Duration time.Duration       `json:"duration_ns"`
	RunID    int64               `json:"run_id,omitempty"`
	Plan     *planner.TenantPlan `json:"plan,omitempty"` // the plan it applied from
}

// TenantStatus is the daemon's view of one tenant of its shard.
type TenantStatus struct {
	Name string `json:"name"`
	Wave int    `json:"wave"`
	// Hold is an operator's pause: the daemon does not touch the tenant.
	Hold        *landlord.Hold `json:"hold,omitempty"`
	Converged   bool           `json:"converged"` // at the current commit
	Changed     bool           `json:"changed"`   // its spec changed in the current commit
	InFlight    bool           `json:"in_flight"`
	Class       Class          `json:"class,omitempty"`
	Failures    int            `json:"failures,omitempty"`
	NextAttempt time.Time      `json:"next_attempt,omitzero"`
	Last        *Attempt       `json:"last,omitempty"`
}

// Status is the daemon's state as the status API shows it.
type Status struct {
	Shard      string    `json:"shard"`
	Commit     string    `json:"commit,omitempty"` // the last valid commit, being converged to
	PR         int       `json:"pr,omitempty"`
	CommitTime time.Time `json:"commit_time,omitzero"`
	Valid      bool      `json:"valid"`             // the newest commit is valid
	Invalid    *Invalid  `json:"invalid,omitempty"` // why it is not
	LastSync   time.Time `json:"last_sync,omitzero"`
	SyncError  string    `json:"sync_error,omitempty"`
	// Rollout is the current commit's rollout by wave (this shard's
	// tenants); nil before the first valid commit.
	Rollout *landlord.Rollout `json:"rollout,omitempty"`
	Sweep   SweepStatus       `json:"drift_sweep"`
	Tenants []TenantStatus    `json:"tenants"`
}

// Status returns a copy of the daemon's state, tenants sorted by name.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := Status{Shard: d.opts.Shard.String(), Valid: d.invalid == nil, Invalid: d.invalid,
		LastSync: d.lastSync, SyncError: errText(d.syncErr), Sweep: d.sweep.status(), Tenants: []TenantStatus{}}
	if d.gen != nil {
		s.Commit, s.PR, s.CommitTime = d.gen.commit, d.gen.pr, d.gen.when
		if d.gen.gate != nil {
			rec := d.gen.gate.Record()
			s.Rollout = &rec
		}
	}
	for _, st := range d.tenants {
		s.Tenants = append(s.Tenants, d.tenantStatus(st))
	}
	sort.Slice(s.Tenants, func(i, j int) bool { return s.Tenants[i].Name < s.Tenants[j].Name })
	return s
}

// Tenant returns the daemon's view of the named tenant, false when it is not
// in this shard of the current fleet.
func (d *Daemon) Tenant(name string) (TenantStatus, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st, ok := d.tenants[name]
	if !ok {
		return TenantStatus{}, false
	}
	return d.tenantStatus(st), true
}

// tenantStatus is st's status with its hold; d.mu is held.
func (d *Daemon) tenantStatus(st *tenantState) TenantStatus {
	ts := st.status(d.clock.Now())
	if h, ok := d.holds[st.name]; ok {
		ts.Hold = &h
	}
	return ts
}

func (st *tenantState) status(now time.Time) TenantStatus {
	ts := TenantStatus{Name: st.name, Wave: st.wave, Converged: st.key != "" && st.doneKey == st.key, Changed: st.changed,
		InFlight: st.inFlight, Class: st.class, Failures: st.failures, Last: st.last}
	if !ts.Converged && st.next.After(now) {
		ts.NextAttempt = st.next
	}
	return ts
}

// Landlord returns the landlord store the status API reads, nil before the
// first valid commit.
func (d *Daemon) Landlord() *landlord.Store {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.store
}

// Ready reports whether the daemon is doing its job: the last sync
// succeeded, a valid commit is loaded, every database server (the
// landlord's too) answered its last probe, and the loop turned recently.
// When not, reason says why.
func (d *Daemon) Ready() (ok bool, reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.syncErr != nil:
		return false, "config repo unreachable: " + d.syncErr.Error()
	case d.lastSync.IsZero():
		return false, "config repo not synced yet"
	case d.gen == nil:
		return false, "no valid commit of the config repo yet"
	case d.serversDown() != "":
		return false, d.serversDown()
	case d.clock.Now().Sub(d.lastLoop) > 3*d.opts.Poll+time.Minute:
		return false, "the loop has not run since " + d.lastLoop.Format(time.RFC3339)
	}
	return true, ""
}
