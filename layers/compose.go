// Package layers composes a tenant's desired schema from its ordered layers:
// it runs the layer DDL in a scratch database on the dev server and inspects
// the result with Atlas. One composition serves every tenant with the same
// layer set.
//
// Scratch databases are named strata_dev_<hash[:12]>_<random>, created with
// the fleet's charset and collation, and always dropped after the
// composition, also when a statement fails or the context is cancelled.
// Compositions are cached by spec.HashLayers; concurrent callers with the
// same hash share one composition, and failed compositions are not cached.
//
// The package also provides the Atlas driver it and the planner use
// (OpenDriver): Atlas's foreign-key inspection query is rewritten so MariaDB
// reads one database instead of every database on the server.
package layers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"ariga.io/atlas/sql/schema"
	"github.com/go-sql-driver/mysql"
	"golang.org/x/sync/singleflight"

	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/spec"
)

// Desired is a desired schema composed from layers.
type Desired struct {
	Hash string // spec.HashLayers of the layers it was composed from
	// Schema is the composition as Atlas inspected it, with an empty name so
	// it can be diffed against any tenant database. It is shared by every
	// tenant with the same hash and by concurrent planners: treat it as
	// read-only and diff a copy (Atlas's SchemaDiff mutates its inputs).
	Schema *schema.Schema
	// Fingerprint is the layers/fingerprint hash of the composition, taken
	// in the scratch database before it is dropped: a tenant whose live
	// fingerprint equals it is in sync without an Atlas inspect.
	Fingerprint string
	// Snapshot is the composition's canonical DDL (SHOW CREATE TABLE, as
	// layers/snapshot records it), taken in the scratch database: a
	// tenant whose live fingerprint equals Fingerprint has this schema, so
	// its snapshot is this one without reading every table again.
	Snapshot *snapshot.Schema
	// Definitions is the composition as the server prints it (SHOW CREATE),
	// taken in the scratch database: a tenant whose live Definitions equal
	// it has the desired schema, and its fingerprint is Fingerprint. Nil
	// when they could not be read.
	Definitions *snapshot.Definitions
}

// Composer composes desired schemas on a dev server and caches them by hash.
// It is safe for concurrent use.
type Composer struct {
	dev                *sql.DB
	charset, collation string
	lim                limits

	drvMu sync.Mutex
	drv   *Driver // opened on first use

	swept sync.Once // abandoned scratch databases dropped before the first composition

	group    singleflight.Group
	mu       sync.Mutex
	cache    map[string]*Desired
	composed atomic.Int64
}

// Option configures a Composer.
type Option func(*Composer)

// Confine gives the Composer the dev server's connection settings (those dev
// was opened with): every composition then runs the layer statements as a
// user made for its scratch database alone (random password; SELECT, INSERT,
// CREATE, ALTER, DROP, INDEX, REFERENCES on that database; no FILE, no
// PROCESS, nothing else), dropped with it. Without it layer statements run
// as dev's user, bounded by the statement time limit only.
func Confine(server *mysql.Config) Option {
	return func(c *Composer) { c.lim.server = server }
}

// WithStatementTimeout bounds each layer statement (max_statement_time);
// spec.DefaultStatementTimeout when not given or not positive.
func WithStatementTimeout(d time.Duration) Option {
	return func(c *Composer) {
		if d > 0 {
			c.lim.timeout = d
		}
	}
}

// New returns a Composer that composes in scratch databases on dev, created
// with the given charset and collation (the server's defaults when empty).
// Layer SQL is untrusted (it comes from pull requests): pass Confine.
func New(dev *sql.DB, charset, collation string, opts ...Option) *Composer {
	c := &Composer{dev: dev, charset: charset, collation: collation, cache: make(map[string]*Desired),
		lim: limits{timeout: spec.DefaultStatementTimeout}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Compose returns the desired schema of t (cached by t.LayerHash()).
func (c *Composer) Compose(ctx context.Context, t *spec.Tenant) (*Desired, error) {
	d, err := c.ComposeLayers(ctx, t.Layers)
	if err != nil {
		return nil, fmt.Errorf("layers: tenant %s: %w", t.Name, err)
	}
	return d, nil
}

// ComposeLayers returns the desired schema of the given layers in order. A
// statement at fault is returned as a *StatementError; a failure of the dev
// server or the connection to it as a *ServerError.
func (c *Composer) ComposeLayers(ctx context.Context, layers []*spec.Layer) (*Desired, error) {
	hash := spec.HashLayers(layers)
	c.mu.Lock()
	d, ok := c.cache[hash]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	for attempt := 1; ; attempt++ {
		// DoChan so a caller whose ctx ends stops waiting; the composition
		// itself runs with the first caller's ctx.
		ch := c.group.DoChan(hash, func() (any, error) {
			d, err := c.compose(ctx, hash, layers)
			if err != nil {
				return nil, err
			}
			c.mu.Lock()
			c.cache[hash] = d
			c.mu.Unlock()
			return d, nil
		})
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("layers: compose: %w", ctx.Err())
		case r := <-ch:
			// The caller that ran the composition gave up: compose again
			// with this caller's ctx (a few times at most, in case the
			// deadline came from somewhere else).
			if r.Err != nil && attempt < 3 && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue
			}
			if r.Err != nil {
				return nil, r.Err
			}
			return r.Val.(*Desired), nil
		}
	}
}

// Compositions reports how many compositions ran on the dev server (cache
// misses), for tests and metrics.
func (c *Composer) Compositions() int64 { return c.composed.Load() }

// Driver returns the Atlas driver on the dev server, opening it on first use.
func (c *Composer) Driver(ctx context.Context) (*Driver, error) {
	c.drvMu.Lock()
	defer c.drvMu.Unlock()
	if c.drv != nil {
		return c.drv, nil
	}
	drv, err := OpenDriver(ctx, c.dev)
	if err != nil {
		return nil, err
	}
	c.drv = drv
	return drv, nil
}

// composeAttempts bounds the compositions of one layer set redone because
// the scratch database lost its defaults (dbdefaults.go).
const composeAttempts = 3

func (c *Composer) compose(ctx context.Context, hash string, layers []*spec.Layer) (d *Desired, err error) {
	// Best effort: a leftover scratch database only costs space, and the
	// next composer tries again.
	c.swept.Do(func() { _, _ = SweepScratch(ctx, c.dev) })
	for range composeAttempts {
		if d, err = c.composeOnce(ctx, hash, layers); !errors.Is(err, errDefaultsLost) {
			break
		}
	}
	return d, err
}

// composeOnce composes layers in a scratch database of its own.
func (c *Composer) composeOnce(ctx context.Context, hash string, layers []*spec.Layer) (d *Desired, err error) {
	c.composed.Add(1)
	drv, err := c.Driver(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := newScratch(ctx, c.dev, hash, c.charset, c.collation, c.lim)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, sc.drop()) }()
	if err := sc.run(ctx, layers); err != nil {
		return nil, err
	}
	if err := checkUnsupported(ctx, sc.lock, sc.name, layers); err != nil {
		return nil, err
	}
	s, err := drv.InspectSchema(ctx, sc.name, &schema.InspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("layers: inspect composition: %w", err)
	}
	fp, err := fingerprint.Schema(ctx, c.dev, sc.name)
	if err != nil {
		return nil, fmt.Errorf("layers: fingerprint composition: %w", err)
	}
	sn, err := snapshot.Take(ctx, c.dev, sc.name)
	if err != nil {
		return nil, fmt.Errorf("layers: snapshot composition: %w", err)
	}
	// Without them an apply is verified by fingerprint alone: slower, as sure.
	defs, _ := snapshot.ReadDefinitions(ctx, c.dev, sc.name)
	// Once more, after every read above: a concurrent read can still cache
	// other defaults just after CREATE DATABASE (dbdefaults.go).
	if err := checkDefaults(ctx, sc.lock, sc.name, c.charset, c.collation); err != nil {
		return nil, serverError("scratch database", err)
	}
	s.Name = ""
	s.Realm = nil
	return &Desired{Hash: hash, Schema: s, Fingerprint: fp, Snapshot: sn, Definitions: defs}, nil
}
