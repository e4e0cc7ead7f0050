package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/notify"
	"github.com/stratadb/strata/reconciler/rollout"
	"github.com/stratadb/strata/spec"
)

// Defaults used when Options leave them zero.
const (
	DefaultPoll          = 30 * time.Second
	DefaultDriftInterval = 5 * time.Minute
	DefaultDrain         = 30 * time.Second
	DefaultBackoff       = 2 * time.Second
	DefaultMaxBackoff    = 5 * time.Minute
)

// Sweeper runs the bulk drift sweep over the named tenants with the
// current generation's Reconciler, records what it finds in the landlord,
// and returns it (counted by severity for the metric, told per tenant to
// the notifier).
type Sweeper func(ctx context.Context, r *reconciler.Reconciler, tenants []string) (*reconciler.DriftResult, error)

// Options configure a Daemon.
type Options struct {
	Source Source
	// Changes, when set, triggers a sync on every value (a watched directory).
	Changes <-chan struct{}
	// Poll is the interval between syncs, with ±10% jitter (default 30s).
	Poll time.Duration
	// DriftInterval is the interval between drift sweeps (default 5m); it
	// also retries stalled and waiting tenants.
	DriftInterval time.Duration
	// Sweep is the drift sweep; nil skips it.
	Sweep Sweeper
	// Shard selects the tenants this daemon owns (zero: all).
	Shard Shard
	// Concurrency is the number of tenants applied at once (default 4).
	Concurrency int
	// SecretKey seals new tenants' passwords (see reconciler.Options).
	SecretKey []byte
	// Drain bounds how long Run waits for running applies after ctx ends (default 30s).
	Drain time.Duration
	// Backoff is the first retry delay of a transient failure, doubled per
	// failure up to MaxBackoff (defaults 2s and 5m), with jitter.
	Backoff, MaxBackoff time.Duration
	// AllWaves applies every wave of a commit at once, ignoring rollout
	// gating (strata run --all-waves, an emergency; recorded as such).
	AllWaves bool
	// OnRollout, when set, receives every transition of a rollout by wave
	// (a wave started or finished, halted, resumed, finished), after the
	// landlord recorded it; called from the loop, it must not block.
	OnRollout func(rollout.Event)
	// Metrics receives the daemon's measurements; nil makes unregistered ones.
	Metrics *Metrics
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Notify tells notify: receivers what needs a person; nil tells no one.
	// The daemon configures it from each valid commit; the caller closes it.
	Notify *notify.Notifier

	engine newEngine // nil: the reconciler (tests pass a fake)
	clock  clock     // nil: the real clock (tests pass a fake)
}

// Daemon keeps the tenants of its shard converged to the last valid commit.
// Run it once; Status and friends are safe to call from other goroutines.
type Daemon struct {
	opts  Options
	log   *slog.Logger
	m     *Metrics
	clock clock

	mu       sync.Mutex
	gen      *generation
	seen     string // newest commit loaded, valid or not
	invalid  *Invalid
	syncErr  error
	lastSync time.Time
	lastLoop time.Time
	tenants  map[string]*tenantState
	sweeping bool
	store    *landlord.Store            // for reads; opened with the first valid fleet
	llKey    string                     // landlord dsn+database store was opened for
	statuses map[string]landlord.Status // every tenant's landlord status, for the gauge
	servers  map[string]*serverHealth   // by server name

	notifyState bool                     // the notifier was given the landlord (or tried)
	holds       map[string]landlord.Hold // operators' pauses, read at every sync (actions.go)
	// holdsVersion counts Pause and Resume calls, so a sync's read of
	// the holds that started before one does not undo it.
	holdsVersion int

	wake     chan struct{} // an action changed what is due: run the loop now
	sweepNow chan struct{} // an operator asked for a drift sweep
	sweep    sweepState
}

// New checks opts and returns a Daemon. Nothing is contacted until Run.
func New(opts Options) (*Daemon, error) {
	if opts.Source == nil {
		return nil, errors.New("daemon: no source: pass --repo with a Git URL or directory")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Poll, DefaultPoll)
	def(&opts.DriftInterval, DefaultDriftInterval)
	def(&opts.Drain, DefaultDrain)
	def(&opts.Backoff, DefaultBackoff)
	def(&opts.MaxBackoff, DefaultMaxBackoff)
	if opts.Concurrency <= 0 {
		opts.Concurrency = reconciler.DefaultConcurrency
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.clock == nil {
		opts.clock = realClock{}
	}
	d := &Daemon{opts: opts, log: opts.Logger, m: opts.Metrics, clock: opts.clock,
		tenants: map[string]*tenantState{}, statuses: map[string]landlord.Status{},
		servers: map[string]*serverHealth{}, holds: map[string]landlord.Hold{},
		wake: make(chan struct{}, 1), sweepNow: make(chan struct{}, 1)}
	if d.opts.engine == nil {
		d.opts.engine = d.reconcilerEngine
	}
	if reg := d.m.reg; reg != nil {
		// Read at scrape time: a stuck loop cannot leave it at 1.
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "strata_ready", Help: "1 while the daemon is ready (/readyz answers 200: config repo synced, a valid commit loaded, servers answering, the loop turning), else 0.",
		}, func() float64 {
			if ok, _ := d.Ready(); ok {
				return 1
			}
			return 0
		}))
	}
	return d, nil
}

// done is a worker's report.
type done struct {
	name, key string
	gen       *generation
	applied
	probes map[string]error // after a transient failure: the tenant's and the landlord's server pinged
}

// Run loops until ctx ends, then drains and returns nil. It returns an
// error only when it cannot start.
func (d *Daemon) Run(ctx context.Context) error {
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	results := make(chan done, d.opts.Concurrency)
	sweeps := make(chan error, 1)
	probes := make(chan probeResult, 1)
	syncT := d.clock.NewTimer(0)
	driftT := d.clock.NewTimer(jitter(d.opts.DriftInterval))
	wakeT := d.clock.NewTimer(time.Hour)
	defer func() { syncT.Stop(); driftT.Stop(); wakeT.Stop() }()
	d.log.Info("strata run started", "shard", d.opts.Shard.String(), "poll", d.opts.Poll, "drift_interval", d.opts.DriftInterval, "concurrency", d.opts.Concurrency)
	inFlight := 0
	for {
		d.startProbes(work, false, probes)
		d.advance(ctx)
		inFlight += d.dispatch(work, results)
		if wait, ok := d.nextWake(); ok {
			wakeT.Reset(wait)
		}
		d.mu.Lock()
		d.lastLoop = d.clock.Now()
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			d.drain(inFlight, results, stopWork)
			d.close()
			d.log.Info("strata run stopped")
			return nil
		case <-syncT.C():
			d.sync(ctx)
			d.startProbes(work, true, probes)
			syncT.Reset(jitter(d.opts.Poll))
		case _, ok := <-d.opts.Changes:
			if !ok {
				d.opts.Changes = nil // a closed channel would spin
				continue
			}
			d.sync(ctx)
		case r := <-results:
			inFlight--
			d.finish(r)
		case r := <-probes:
			d.probed(r)
		case err := <-sweeps:
			d.sweepDone(err)
		case <-driftT.C():
			d.startSweep(work, sweeps)
			driftT.Reset(jitter(d.opts.DriftInterval))
		case <-wakeT.C():
		case <-d.wake:
		case <-d.sweepNow:
			d.startSweep(work, sweeps)
			driftT.Reset(jitter(d.opts.DriftInterval))
		}
	}
}

// drain waits for running applies, at most Options.Drain, then cancels
// them and waits for them to record what they did.
func (d *Daemon) drain(inFlight int, results chan done, stopWork context.CancelFunc) {
	if inFlight > 0 {
		d.log.Info("stopping: taking no new work, waiting for running applies", "running", inFlight, "drain", d.opts.Drain)
	}
	deadline := d.clock.NewTimer(d.opts.Drain)
	defer deadline.Stop()
	for inFlight > 0 {
		select {
		case r := <-results:
			inFlight--
			d.finish(r)
		case <-deadline.C():
			d.log.Warn("drain timed out: cancelling running applies", "running", inFlight)
			stopWork()
			deadline.Reset(time.Hour)
		}
	}
}

// release drops a worker's hold on g, closing g once it is retired and
// unused; d.mu is held.
func (d *Daemon) release(g *generation) {
	g.refs--
	if g.retired && g.refs == 0 {
		g.close()
	}
}

// close releases every connection (and with them any lock still held).
func (d *Daemon) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != nil {
		d.gen.close()
		d.gen = nil
	}
	if d.store != nil {
		d.store.Close()
	}
}

// jitter spreads d by ±10% so replicas do not fetch in lockstep.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// backoff is the delay before retry n (1-based) of a transient failure:
// exponential, capped, with "equal jitter" (between half and all of it).
func backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// loadErrors turns a validation error into one line per problem.
func loadErrors(err error) []string {
	var diags spec.Diagnostics
	if errors.As(err, &diags) {
		out := make([]string, len(diags))
		for i, dg := range diags {
			out[i] = dg.String()
		}
		return out
	}
	return []string{fmt.Sprint(err)}
}

// errorf returns an error prefixed "daemon: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("daemon: "+format, args...)
}
