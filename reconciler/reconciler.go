// Package reconciler converges tenant databases to their spec: for each
// selected tenant, with bounded workers per server and servers in parallel,
// it locks the tenant, provisions its database and users when missing,
// applies the plan as the tenant's own migrator user, verifies by planning
// again, runs new seed files, snapshots the schema and records all of it in
// the landlord.
//
// A CLI uses it as:
//
//	r, err := reconciler.New(fleet, reconciler.Options{SecretKey: key, Commit: sha})
//	defer r.Close()
//	plan, err := r.Plan(ctx, nil)   // strata plan: nothing is changed
//	res, err := r.Apply(ctx, nil)   // strata apply: res.ExitCode() is 0, 1 or 2
//	store, err := r.Landlord(ctx)   // strata status: counts, tenants, history
//	dsn, err := r.Credentials(ctx, "acme") // strata credentials acme
package reconciler

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

// Defaults used when strata.yaml or Options leave them out.
const (
	DefaultConcurrency = 4
	DefaultCharset     = "utf8mb4"
	DefaultCollation   = "utf8mb4_unicode_ci"
)

// Options tune a Reconciler.
type Options struct {
	// Concurrency is the number of tenants worked on at once per server
	// (default 4); servers run in parallel.
	Concurrency int
	// SecretKey seals tenant passwords in the landlord (see package secret
	// for the format). Without it Apply still plans and applies tenants
	// already provisioned, but refuses to provision new ones.
	SecretKey []byte
	// Commit is the config-repo commit being applied, recorded per run.
	Commit string
	// PR is the pull request that approved Commit, 0 when unknown.
	PR int
	// Rollout is how the apply honours the tenants' waves, recorded with
	// each run (landlord.ModeGated, ModeWave, ModeAllWaves; "" none).
	Rollout string
	// Logger receives progress; nil discards it. DSNs and passwords are never logged.
	Logger *slog.Logger
	// Listener, when set, receives every Event of an apply as it happens
	// (progress output, metrics), after the landlord recorded it. It is
	// called from the workers concurrently and must not block.
	Listener func(Event)
	// Now is the clock archives expire by; nil: time.Now (tests set it).
	Now func() time.Time
}

// Reconciler converges the tenants of one Fleet. It is safe for concurrent use.
type Reconciler struct {
	fleet              *spec.Fleet
	opts               Options
	log                *slog.Logger
	servers            map[string]*server
	dev                *server // where layers are composed
	composer           *layers.Composer
	box                *secret.Box // nil without a key
	charset, collation string
	store              *landlord.Store

	mu       sync.Mutex // guards migrated and planners
	migrated bool
	planners map[string]*planner.Planner

	fullPlans atomic.Int64 // plans that needed an Atlas inspect (see FullPlans)
	fast      fastPath     // compositions and plans shared by the apply fast path
}

// server is one configured database server.
type server struct {
	name     string
	db       *sql.DB
	multi    *sql.DB       // the admin's too, several statements a query: reads that would cost many round trips (verifyLive)
	cfg      *mysql.Config // as configured: a secret, never logged
	lockWait time.Duration // the migrator sessions' lock_wait_timeout (apply.lock_wait_timeout)

	printingMu sync.Mutex
	printing   string // snapshot.PrintingDefaults, once read
}

// printingDefaults returns the server's snapshot.PrintingDefaults, read on
// first use and again until a read succeeds; "" when they cannot be read
// (then no definitions match: the fingerprint verifies).
func (s *server) printingDefaults(ctx context.Context) string {
	s.printingMu.Lock()
	defer s.printingMu.Unlock()
	if s.printing == "" {
		s.printing, _ = snapshot.PrintingDefaults(ctx, s.db)
	}
	return s.printing
}

// New opens a connection pool per server of fleet (lazily: nothing is
// contacted until a method runs). Close releases them.
func New(fleet *spec.Fleet, opts Options) (*Reconciler, error) {
	if fleet == nil || len(fleet.Config.Servers) == 0 {
		return nil, errors.New("reconciler: strata.yaml names no servers: add one under servers:")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reconciler{
		fleet: fleet, opts: opts, log: log,
		servers:   map[string]*server{},
		charset:   or(fleet.Config.Defaults.Charset, DefaultCharset),
		collation: or(fleet.Config.Defaults.Collation, DefaultCollation),
		planners:  map[string]*planner.Planner{},
		fast:      fastPath{bases: map[string]*layers.Desired{}, plans: map[string]*planner.TenantPlan{}},
	}
	if len(opts.SecretKey) > 0 {
		box, err := secret.NewBox(opts.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("reconciler: %w", err)
		}
		r.box = box
	}
	names := make([]string, 0, len(fleet.Config.Servers))
	for n := range fleet.Config.Servers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s, err := openServer(n, fleet.Config.Servers[n].DSN, opts.Concurrency)
		if err != nil {
			r.Close()
			return nil, err
		}
		s.lockWait = cmp.Or(fleet.Config.Apply.LockWaitTimeout, spec.DefaultLockWaitTimeout)
		r.servers[n] = s
	}
	dev, err := r.server(fleet.Config.DevServer())
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("reconciler: dev server: %w", err)
	}
	r.dev = dev
	r.composer = layers.New(dev.db, r.charset, r.collation,
		layers.Confine(dev.cfg), layers.WithStatementTimeout(fleet.Config.Dev.StatementTimeout))
	ll, err := r.server(fleet.Config.LandlordServer())
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("reconciler: landlord server: %w", err)
	}
	if r.store, err = landlord.Open(interpolated(ll.cfg).FormatDSN(), fleet.Config.Landlord.Database); err != nil {
		r.Close()
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	r.store.SetConcurrency(opts.Concurrency)
	return r, nil
}

func openServer(name, dsn string, concurrency int) (*server, error) {
	cfg, err := spec.ParseServerDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("reconciler: server %s: its dsn is %w; fix it in strata.yaml", name, err)
	}
	admin := interpolated(cfg)
	connector, err := mysql.NewConnector(admin)
	if err != nil {
		return nil, fmt.Errorf("reconciler: server %s: %w", name, err)
	}
	db := sql.OpenDB(connector)
	// A worker holds a lock connection and uses another for queries.
	db.SetMaxOpenConns(3*concurrency + 2)
	db.SetMaxIdleConns(2*concurrency + 2)
	db.SetConnMaxIdleTime(time.Minute)
	mc := cfg.Clone()
	mc.MultiStatements = true
	if connector, err = mysql.NewConnector(mc); err != nil {
		db.Close()
		return nil, fmt.Errorf("reconciler: server %s: %w", name, err)
	}
	multi := sql.OpenDB(connector)
	multi.SetMaxOpenConns(concurrency + 1)
	multi.SetMaxIdleConns(concurrency + 1)
	multi.SetConnMaxIdleTime(time.Minute)
	return &server{name: name, db: db, multi: multi, cfg: cfg}, nil
}

// interpolated returns a copy of cfg whose query arguments the driver
// quotes itself: one round trip per query instead of prepare, execute and
// close. The driver refuses it with collations where client-side quoting
// is unsafe (GBK, SJIS, ...); those keep server-side prepares.
func interpolated(cfg *mysql.Config) *mysql.Config {
	c := cfg.Clone()
	c.InterpolateParams = true
	if _, err := mysql.NewConnector(c); err != nil {
		c.InterpolateParams = false
	}
	return c
}

// Close closes every connection pool.
func (r *Reconciler) Close() error {
	var errs []error
	for _, s := range r.servers {
		errs = append(errs, s.db.Close(), s.multi.Close())
	}
	if r.store != nil {
		errs = append(errs, r.store.Close())
	}
	return errors.Join(errs...)
}

// Landlord returns the landlord store, creating or migrating its database on
// first use.
func (r *Reconciler) Landlord(ctx context.Context) (*landlord.Store, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.migrated {
		if err := r.store.Migrate(ctx, r.composer, r.charset, r.collation, cmp.Or(r.fleet.Config.Apply.LockWaitTimeout, spec.DefaultLockWaitTimeout)); err != nil {
			return nil, fmt.Errorf("reconciler: %w", err)
		}
		r.migrated = true
	}
	return r.store, nil
}

// ReadLandlord returns the landlord store for reading, without creating or
// migrating it (read-only verbs: status, credentials). It fails with what
// to do when the landlord database does not exist yet.
func (r *Reconciler) ReadLandlord(ctx context.Context) (*landlord.Store, error) {
	ok, err := r.store.Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("reconciler: the landlord database %s %w", r.store.Database(), ErrNoLandlord)
	}
	return r.store, nil
}

// Commit is the config-repo commit r applies (Options.Commit).
func (r *Reconciler) Commit() string { return r.opts.Commit }

// LandlordDatabase is the name of the landlord database.
func (r *Reconciler) LandlordDatabase() string { return r.store.Database() }

// ErrNoLandlord is ReadLandlord's error when the landlord database has not
// been created yet.
var ErrNoLandlord = errors.New("does not exist yet: strata apply creates it")

// PlanPR plans a pull request on the dev server only: both sides composed
// by r's composer and diffed with the dev server's planner (strata plan
// --base); no tenant database is read.
func (r *Reconciler) PlanPR(ctx context.Context, base, head planner.PRSide) (*planner.PRPlan, error) {
	p, err := r.planner(ctx, r.dev)
	if err != nil {
		return nil, err
	}
	return planner.PlanPR(ctx, base, head, planner.PROptions{Composer: r.composer, Planner: p, Concurrency: r.opts.Concurrency})
}

func (r *Reconciler) server(name string) (*server, error) {
	s, ok := r.servers[name]
	if !ok {
		return nil, fmt.Errorf("reconciler: server %q is not under servers: in strata.yaml", name)
	}
	return s, nil
}

// planner returns the server's planner, made on first use.
func (r *Reconciler) planner(ctx context.Context, s *server) (*planner.Planner, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.planners[s.name]; ok {
		return p, nil
	}
	p, err := planner.New(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("reconciler: server %s: %w", s.name, err)
	}
	r.planners[s.name] = p
	return p, nil
}

// selectTenants returns the named tenants in fleet order, or all when names is empty.
func (r *Reconciler) selectTenants(names []string) ([]*spec.Tenant, error) {
	if len(names) == 0 {
		return r.fleet.Tenants, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if r.fleet.Tenant(n) == nil {
			return nil, fmt.Errorf("reconciler: unknown tenant %q: there is no tenants/%s/tenant.yaml in the config repo", n, n)
		}
		want[n] = true
	}
	var out []*spec.Tenant
	for _, t := range r.fleet.Tenants {
		if want[t.Name] {
			out = append(out, t)
		}
	}
	return out, nil
}

// names returns the names of sel for the landlord's bulk reads, or nil when
// sel is the whole fleet (one read of every tenant's records then).
func (r *Reconciler) names(sel []*spec.Tenant) []string {
	if len(sel) == len(r.fleet.Tenants) {
		return nil
	}
	out := make([]string, len(sel))
	for i, t := range sel {
		out[i] = t.Name
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
