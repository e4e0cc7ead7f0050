package daemon

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// generation is one valid commit being converged to: its fleet, the
// Reconciler for it, and small pools for the daemon's own lock checks. It
// is closed once it is no longer current and no worker uses it.
type generation struct {
	commit string
	pr     int
	when   time.Time // committer time
	fleet  *spec.Fleet
	rec    *reconciler.Reconciler
	fps    map[string]string // tenant fingerprints

	refs    int  // workers using it; guarded by Daemon.mu
	retired bool // no longer current; guarded by Daemon.mu

	mu    sync.Mutex
	pools map[string]*sql.DB // by server name
}

func newGeneration(snap source.Snapshot, fleet *spec.Fleet, rec *reconciler.Reconciler) *generation {
	g := &generation{commit: snap.Commit, pr: snap.PR, when: snap.Time, fleet: fleet, rec: rec,
		fps: map[string]string{}, pools: map[string]*sql.DB{}}
	for _, t := range fleet.Tenants {
		g.fps[t.Name] = fingerprint(t)
	}
	return g
}

// key is what a tenant must reach in this generation: the commit and the
// tenant's fingerprint (the fingerprint alone for a working directory).
func (g *generation) key(tenant string) string { return g.commit + "/" + g.fps[tenant] }

// pool returns a small connection pool to the named server, for locks.
func (g *generation) pool(server string) (*sql.DB, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if db, ok := g.pools[server]; ok {
		return db, nil
	}
	s, ok := g.fleet.Config.Servers[server]
	if !ok {
		return nil, fmt.Errorf("daemon: server %q is not under servers: in strata.yaml", server)
	}
	db, err := openDB(s.DSN, 2)
	if err != nil {
		return nil, fmt.Errorf("daemon: server %s: %w", server, err)
	}
	g.pools[server] = db
	return db, nil
}

func (g *generation) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	errs := []error{g.rec.Close()}
	for _, db := range g.pools {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// openDB opens a pool on the server a DSN names, without a default
// database. The DSN is a secret: errors never quote it.
func openDB(dsn string, max int) (*sql.DB, error) {
	cfg, err := spec.ParseServerDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("the dsn %w; fix it in strata.yaml", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(max)
	db.SetConnMaxIdleTime(time.Minute)
	return db, nil
}
