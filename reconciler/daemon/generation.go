package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/stratadb/strata/reconciler/rollout"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// generation is one valid commit being converged to: its fleet and the
// engine for it. It is closed once it is no longer current and no worker
// uses it.
type generation struct {
	commit string
	pr     int
	when   time.Time // committer time
	fleet  *spec.Fleet
	eng    engine
	fps    map[string]string // tenant fingerprints
	names  []string          // this shard's tenants, the pass's selection

	prepMu sync.Mutex // held while preparing, so workers wait for one Prepare
	passMu sync.Mutex // guards pass (briefly: the loop drops it)
	pass   pass       // prepared on first use; dropped by the drift sweep

	refs      int  // workers using it; guarded by Daemon.mu
	retired   bool // no longer current; guarded by Daemon.mu
	announced bool // its rollout's end was notified; guarded by Daemon.mu

	// gate is the commit's rollout by wave; recorded says the landlord
	// has its first record, started that a tenant of it finished. Guarded
	// by Daemon.mu.
	gate              *rollout.Gate
	recorded, started bool
}

func newGeneration(snap source.Snapshot, fleet *spec.Fleet, eng engine, shard Shard) *generation {
	g := &generation{commit: snap.Commit, pr: snap.PR, when: snap.Time, fleet: fleet, eng: eng,
		fps: map[string]string{}}
	for _, t := range fleet.Tenants {
		g.fps[t.Name] = fingerprint(t)
		if shard.Owns(t.Name) {
			g.names = append(g.names, t.Name)
		}
	}
	return g
}

// key is what a tenant must reach in this generation: the commit and the
// tenant's fingerprint (the fingerprint alone for a working directory).
func (g *generation) key(tenant string) string { return g.commit + "/" + g.fps[tenant] }

// prepared returns the generation's pass, preparing it once: one read of
// every tenant's runs and baselines per commit, not one per tenant. fresh
// reports that this call prepared it. A failed Prepare is tried again by the
// next worker.
func (g *generation) prepared(ctx context.Context) (p pass, fresh bool, err error) {
	g.prepMu.Lock()
	defer g.prepMu.Unlock()
	g.passMu.Lock()
	p = g.pass
	g.passMu.Unlock()
	if p != nil {
		return p, false, nil
	}
	if p, err = g.eng.Prepare(ctx, g.names); err != nil {
		return nil, false, err
	}
	g.passMu.Lock()
	g.pass = p
	g.passMu.Unlock()
	return p, true, nil
}

// dropPass makes the next worker prepare a new pass, so none outlives a
// drift interval (a pass stays correct when older; fresher is faster).
func (g *generation) dropPass() {
	g.passMu.Lock()
	g.pass = nil
	g.passMu.Unlock()
}

func (g *generation) close() error { return g.eng.Close() }
