package daemon

import (
	"context"
	"reflect"
	"strconv"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// Invalid describes the newest commit when it failed validation.
type Invalid struct {
	Commit string    `json:"commit,omitempty"`
	At     time.Time `json:"at"`
	Errors []string  `json:"errors"` // "path:line:col: message", one per problem
}

// sync fetches the source and, on a commit not seen before, validates it
// and makes it the current generation when valid.
func (d *Daemon) sync(ctx context.Context) {
	d.m.Fetches.Inc()
	snap, err := d.opts.Source.Sync(ctx)
	d.mu.Lock()
	d.syncErr = err
	if err == nil {
		d.lastSync = d.clock.Now()
	}
	seen := d.seen
	d.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			d.m.FetchErrors.Inc()
			d.log.Warn("config repo sync failed; converging to the last valid commit", "err", err)
		}
		return
	}
	d.m.LastSync.SetToCurrentTime()
	d.loadHolds(ctx)
	if snap.Commit != "" && snap.Commit == seen {
		return
	}
	fleet, err := spec.Load(snap.FS)
	if err != nil {
		d.reject(snap, loadErrors(err))
		return
	}
	d.mu.Lock()
	cur := d.gen
	d.mu.Unlock()
	if snap.Commit == "" && cur != nil && sameFleet(cur, fleet) {
		d.accept(snap, nil, nil) // a working directory that did not change: nothing to do
		return
	}
	eng, err := d.opts.engine(fleet, snap)
	if err != nil {
		d.reject(snap, []string{err.Error()})
		return
	}
	if err := d.openLandlord(fleet); err != nil {
		eng.Close()
		d.reject(snap, []string{err.Error()})
		return
	}
	if first := d.Landlord() != nil && cur == nil; first {
		d.loadHolds(ctx) // a tenant paused before this daemon started is never dispatched
	}
	d.accept(snap, fleet, eng)
}

// reject records that snap is invalid; the current generation stays.
func (d *Daemon) reject(snap source.Snapshot, errs []string) {
	d.mu.Lock()
	repeat := d.invalid != nil && d.invalid.Commit == snap.Commit && reflect.DeepEqual(d.invalid.Errors, errs)
	d.seen = snap.Commit
	if !repeat {
		d.invalid = &Invalid{Commit: snap.Commit, At: d.clock.Now(), Errors: errs}
	}
	applied := "none"
	if d.gen != nil {
		applied = short(d.gen.commit)
	}
	d.mu.Unlock()
	d.m.ConfigValid.Set(0)
	if repeat {
		return
	}
	d.notifyConfig(snap.Commit, errs)
	d.m.InvalidCommits.Inc()
	d.log.Error("config repo commit is invalid; converging to the last valid commit",
		"commit", snap.Short(), "last_valid", applied, "problems", len(errs), "errors", errs)
}

// accept makes a valid fleet the current generation (fleet nil: snap is
// valid but changes nothing) and queues its tenants.
func (d *Daemon) accept(snap source.Snapshot, fleet *spec.Fleet, eng engine) {
	d.m.ConfigValid.Set(1)
	d.notifyConfig(snap.Commit, nil)
	if fleet != nil {
		d.configureNotify(fleet.Config.Notify)
	}
	var gone []string
	defer func() { d.notifyGone(gone) }()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen, d.invalid = snap.Commit, nil
	if fleet == nil {
		return
	}
	old := d.gen
	g := newGeneration(snap, fleet, eng, d.opts.Shard)
	d.gen = g
	if old != nil {
		old.retired = true
		if old.refs == 0 {
			old.close()
		}
	}
	changed := 0
	inFleet := map[string]bool{}
	for _, t := range fleet.Tenants {
		if !d.opts.Shard.Owns(t.Name) {
			continue
		}
		inFleet[t.Name] = true
		st := d.tenants[t.Name]
		if st == nil {
			st = &tenantState{name: t.Name}
			d.tenants[t.Name] = st
		}
		st.changed = old == nil || old.fps[t.Name] != g.fps[t.Name]
		if st.changed {
			changed++
		}
		st.wave = t.Wave
		_, st.held = d.holds[t.Name]
		if st.key != g.key(t.Name) {
			st.key, st.failures, st.next = g.key(t.Name), 0, time.Time{}
		}
	}
	for name, st := range d.tenants {
		if !inFleet[name] && !st.inFlight {
			delete(d.tenants, name)
			gone = append(gone, name)
		}
	}
	d.newGate(g)
	d.m.AppliedCommit.Reset()
	d.m.AppliedCommit.WithLabelValues(g.commit, strconv.Itoa(g.pr)).Set(1)
	d.log.Info("converging to commit", "commit", snap.Short(), "pr", snap.PR, "tenants", len(inFleet), "changed", changed)
}

// sameFleet reports whether a re-read working directory resolves to the
// same fleet as generation g.
func sameFleet(g *generation, f *spec.Fleet) bool {
	if len(f.Tenants) != len(g.fps) || !reflect.DeepEqual(f.Config, g.fleet.Config) {
		return false
	}
	for _, t := range f.Tenants {
		if fp, ok := g.fps[t.Name]; !ok || fp != fingerprint(t) {
			return false
		}
	}
	return true
}

// openLandlord opens the landlord the fleet names for reads, unless it is
// already open.
func (d *Daemon) openLandlord(f *spec.Fleet) error {
	name := f.Config.LandlordServer()
	srv, ok := f.Config.Servers[name]
	if !ok {
		return errorf("landlord server %q is not under servers: in strata.yaml", name)
	}
	key := srv.DSN + "\x00" + f.Config.Landlord.Database
	d.mu.Lock()
	same := d.llKey == key
	d.mu.Unlock()
	if same {
		return nil
	}
	store, err := landlord.Open(srv.DSN, f.Config.Landlord.Database)
	if err != nil {
		return err
	}
	d.mu.Lock()
	oldStore := d.store
	d.store, d.llKey = store, key
	d.mu.Unlock()
	if oldStore != nil {
		oldStore.Close()
	}
	return nil
}

func short(commit string) string {
	return source.Snapshot{Commit: commit}.Short()
}
