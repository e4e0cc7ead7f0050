package daemon

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// engine converges one generation's fleet. The reconciler is the real one;
// the loop's tests use a fake, so dispatch, backoff, generations and drain
// are tested without databases.
type engine interface {
	// Prepare reads what applying the named tenants needs, once
	// (reconciler.Prepare: the landlord's runs and baselines, one
	// fingerprint pass per server).
	Prepare(ctx context.Context, tenants []string) (pass, error)
	// Sweep runs the drift sweep (Options.Sweep) over the named tenants.
	Sweep(ctx context.Context, tenants []string) (*reconciler.DriftResult, error)
	// Ping reports whether the named database server answers.
	Ping(ctx context.Context, server string) error
	Close() error
}

// pass applies the tenants of one prepared pass, one tenant per call.
type pass interface {
	Apply(ctx context.Context, name string) applied
}

// applied is what one tenant's apply did.
type applied struct {
	res      reconciler.TenantResult
	checkErr error               // the post-wave check (rollout.check) did not pass
	plan     *planner.TenantPlan // the plan it applied from; nil when skipped
	skipped  bool                // the landlord showed it converged at this commit already
}

// newEngine makes a generation's engine; Options.engine replaces it in tests.
type newEngine func(fleet *spec.Fleet, snap source.Snapshot) (engine, error)

// recEngine is the reconciler-backed engine.
type recEngine struct {
	rec    *reconciler.Reconciler
	fleet  *spec.Fleet
	commit string
	sweep  Sweeper
	probes map[string]*sql.DB // one connection per server, for Ping
}

// reconcilerEngine returns the production newEngine for d's options.
func (d *Daemon) reconcilerEngine(fleet *spec.Fleet, snap source.Snapshot) (engine, error) {
	mode := landlord.ModeGated
	if d.opts.AllWaves {
		mode = landlord.ModeAllWaves
	}
	rec, err := reconciler.New(fleet, reconciler.Options{
		Concurrency: d.opts.Concurrency, SecretKey: d.opts.SecretKey,
		Commit: snap.Commit, PR: snap.PR, Logger: d.log, Rollout: mode,
	})
	if err != nil {
		return nil, err
	}
	e := &recEngine{rec: rec, fleet: fleet, commit: snap.Commit, sweep: d.opts.Sweep, probes: map[string]*sql.DB{}}
	for name, srv := range fleet.Config.Servers {
		cfg, err := spec.ParseServerDSN(srv.DSN)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("daemon: server %s: its dsn is %w; fix it in strata.yaml", name, err)
		}
		cfg.Timeout = probeTimeout
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("daemon: server %s: %w", name, err)
		}
		db := sql.OpenDB(connector)
		db.SetMaxOpenConns(1)
		e.probes[name] = db
	}
	return e, nil
}

// Ping pings the server on a connection of its own: the reconciler's pools
// may all be busy with applies.
func (e *recEngine) Ping(ctx context.Context, server string) error {
	db, ok := e.probes[server]
	if !ok {
		return fmt.Errorf("daemon: server %q is not under servers: in strata.yaml", server)
	}
	return db.PingContext(ctx)
}

func (e *recEngine) Prepare(ctx context.Context, tenants []string) (pass, error) {
	p, err := e.rec.Prepare(ctx, tenants)
	if err != nil {
		return nil, err
	}
	store, err := e.rec.Landlord(ctx) // migrated by Prepare: no query
	if err != nil {
		return nil, err
	}
	return &recPass{e: e, p: p, store: store}, nil
}

func (e *recEngine) Sweep(ctx context.Context, tenants []string) (*reconciler.DriftResult, error) {
	if e.sweep == nil {
		return nil, nil
	}
	return e.sweep(ctx, e.rec, tenants)
}

func (e *recEngine) Close() error {
	errs := []error{e.rec.Close()}
	for _, db := range e.probes {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// recPass is one reconciler.Pass.
type recPass struct {
	e     *recEngine
	p     *reconciler.Pass
	store *landlord.Store
}

// Apply applies one tenant, unless the landlord shows it already converged
// at this commit (another daemon, or this one before a restart, did it):
// one read of the tenant's own record.
func (p *recPass) Apply(ctx context.Context, name string) applied {
	t := p.e.fleet.Tenant(name)
	if t == nil {
		err := reconciler.Stalled(fmt.Errorf("daemon: tenant %q is not in the fleet", name))
		return applied{res: reconciler.TenantResult{Name: name, Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}}
	}
	if p.e.commit != "" {
		rec, err := p.store.Tenant(ctx, name)
		if err == nil && rec.Status == landlord.StatusActive && rec.LastError == "" &&
			rec.LastAppliedCommit == p.e.commit && rec.DesiredHash == t.LayerHash() {
			return p.check(ctx, applied{skipped: true, res: reconciler.TenantResult{Name: name, Database: t.Database, Server: t.Server, Outcome: reconciler.OutcomeConverged}})
		}
	}
	res, tp, err := p.p.Apply(ctx, name)
	if err != nil {
		res = reconciler.TenantResult{Name: name, Database: t.Database, Server: t.Server, Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		return applied{res: res}
	}
	return p.check(ctx, applied{res: res, plan: &tp})
}

// check runs the post-wave check (rollout.check) on a tenant that
// converged; its failure counts toward the wave's budget.
func (p *recPass) check(ctx context.Context, a applied) applied {
	q := p.e.fleet.Config.Rollout.Check
	if q != "" && a.res.Outcome == reconciler.OutcomeConverged {
		a.checkErr = p.e.rec.Check(ctx, a.res.Name, q)
	}
	return a
}

var (
	_ engine = (*recEngine)(nil)
	_ pass   = (*recPass)(nil)
)
