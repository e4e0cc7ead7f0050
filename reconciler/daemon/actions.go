package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// ErrUnknownTenant is returned by an action on a tenant that is not in the
// current fleet (or not in this daemon's shard, for Reconcile).
var ErrUnknownTenant = errors.New("daemon: no such tenant in this daemon's fleet")

// ErrNoLandlord is returned by Pause and Resume before the first valid
// commit: the landlord to record the hold in is not known yet.
var ErrNoLandlord = errors.New("daemon: no valid commit yet, so no landlord to record the hold in")

// ErrHeld is returned by Reconcile on a paused tenant: resume it first.
var ErrHeld = errors.New("daemon: the tenant is paused; resume it first")

// sweepState is what the daemon remembers of drift sweeps; guarded by Daemon.mu.
type sweepState struct {
	started, finished time.Time
	err               string
}

// SweepStatus is the drift sweep as the status API shows it.
type SweepStatus struct {
	Running      bool      `json:"running"`
	LastStarted  time.Time `json:"last_started,omitzero"`
	LastFinished time.Time `json:"last_finished,omitzero"`
	Error        string    `json:"error,omitempty"`
}

func (s sweepState) status() SweepStatus {
	return SweepStatus{Running: s.started.After(s.finished), LastStarted: s.started, LastFinished: s.finished, Error: s.err}
}

// Fleet returns the fleet of the commit being converged to, nil before the
// first valid commit. It is shared: do not change it.
func (d *Daemon) Fleet() *spec.Fleet {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen == nil {
		return nil
	}
	return d.gen.fleet
}

// loadHolds reads the landlord's holds (one query per sync), so a pause
// recorded by another replica or by strata pause reaches this daemon within
// a poll interval.
func (d *Daemon) loadHolds(ctx context.Context) {
	d.mu.Lock()
	store, version := d.store, d.holdsVersion
	d.mu.Unlock()
	if store == nil {
		return
	}
	holds, err := store.Holds(ctx)
	if err != nil {
		d.log.Debug("cannot read the landlord's holds; keeping the ones known (an outage is logged by the server probes)", "err", err)
		return
	}
	d.mu.Lock()
	if d.holdsVersion != version { // a Pause or Resume meanwhile: what was read may predate it
		d.mu.Unlock()
		return
	}
	d.holds = holds
	for name, st := range d.tenants {
		held := false
		if _, held = holds[name]; !held && st.held && st.class == ClassHeld {
			st.stallKey = "" // resumed elsewhere: due again
		}
		st.held = held
	}
	d.mu.Unlock()
	d.poke()
}

// Pause records an operational hold on a tenant in the landlord: neither
// this daemon nor any strata apply changes it until Resume. A run in flight
// finishes.
func (d *Daemon) Pause(ctx context.Context, name, by, reason string) error {
	store, err := d.actionStore(name)
	if err != nil {
		return err
	}
	if err := store.PutHold(ctx, landlord.Hold{Tenant: name, By: by, Reason: reason}); err != nil {
		return err
	}
	holds, err := store.Holds(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.holdsVersion++
	d.holds[name] = holds[name]
	if st := d.tenants[name]; st != nil {
		st.held = true
	}
	d.mu.Unlock()
	d.log.Info("tenant paused", "tenant", name, "by", by, "reason", reason)
	return nil
}

// Resume lifts a tenant's hold and makes it due at once.
func (d *Daemon) Resume(ctx context.Context, name string) error {
	store, err := d.actionStore(name)
	if err != nil {
		return err
	}
	if _, err := store.DeleteHold(ctx, name); err != nil {
		return err
	}
	d.mu.Lock()
	d.holdsVersion++
	delete(d.holds, name)
	if st := d.tenants[name]; st != nil {
		st.held = false
		if st.class == ClassHeld {
			st.stallKey = ""
		}
	}
	d.mu.Unlock()
	d.log.Info("tenant resumed", "tenant", name)
	d.poke()
	return nil
}

// actionStore returns the landlord store for an action on tenant name,
// which must be in the current fleet.
func (d *Daemon) actionStore(name string) (*landlord.Store, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen == nil || d.store == nil {
		return nil, ErrNoLandlord
	}
	if d.gen.fleet.Tenant(name) == nil {
		return nil, ErrUnknownTenant
	}
	return d.store, nil
}

// Reconcile makes a tenant of this shard due now, whatever its last
// attempt left (backoff, stalled, blocked, converged), and reads the live
// schemas afresh (a new pass), so a hand-made change is seen. Retrying a
// failed tenant is the same thing. It changes nothing in Git: the tenant
// converges to the current commit.
func (d *Daemon) Reconcile(name string) error {
	d.mu.Lock()
	st := d.tenants[name]
	switch {
	case st == nil:
		d.mu.Unlock()
		return ErrUnknownTenant
	case st.held:
		d.mu.Unlock()
		return ErrHeld
	}
	st.doneKey, st.stallKey, st.next, st.failures = "", "", time.Time{}, 0
	if d.gen != nil {
		d.gen.dropPass()
	}
	d.mu.Unlock()
	d.log.Info("reconcile asked for", "tenant", name)
	d.poke()
	return nil
}

// SweepNow starts a drift sweep at once (unless one is running); the next
// periodic sweep is a full interval later.
func (d *Daemon) SweepNow() {
	select {
	case d.sweepNow <- struct{}{}:
	default: // one is asked for already
	}
}

// poke wakes the loop to dispatch what became due.
func (d *Daemon) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
