package daemon

import (
	"time"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// generation is one valid commit being converged to: its fleet and the
// Reconciler for it. It is closed once it is no longer current and no
// worker uses it.
type generation struct {
	commit string
	pr     int
	when   time.Time // committer time
	fleet  *spec.Fleet
	rec    *reconciler.Reconciler
	fps    map[string]string // tenant fingerprints

	refs    int  // workers using it; guarded by Daemon.mu
	retired bool // no longer current; guarded by Daemon.mu
}

func newGeneration(snap source.Snapshot, fleet *spec.Fleet, rec *reconciler.Reconciler) *generation {
	g := &generation{commit: snap.Commit, pr: snap.PR, when: snap.Time, fleet: fleet, rec: rec,
		fps: map[string]string{}}
	for _, t := range fleet.Tenants {
		g.fps[t.Name] = fingerprint(t)
	}
	return g
}

// key is what a tenant must reach in this generation: the commit and the
// tenant's fingerprint (the fingerprint alone for a working directory).
func (g *generation) key(tenant string) string { return g.commit + "/" + g.fps[tenant] }

func (g *generation) close() error { return g.rec.Close() }
