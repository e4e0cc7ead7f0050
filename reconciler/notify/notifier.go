package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/stratadb/strata/spec"
)

// Defaults used when Options leave them zero.
const (
	DefaultWindow     = 10 * time.Second
	DefaultAttempts   = 5
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = time.Minute
	DefaultQueue      = 1000
	DefaultTimeout    = 10 * time.Second
	maxBatch          = 1000 // events in one message; more go in the next
)

// Options configure a Notifier.
type Options struct {
	// Window is how long a receiver collects events into one message after
	// the first arrives (default 10s).
	Window time.Duration
	// Attempts bounds the deliveries of one message (default 5); Backoff is
	// the first wait between them, doubled up to MaxBackoff, with jitter.
	Attempts            int
	Backoff, MaxBackoff time.Duration
	// Queue is how many events a receiver holds while it is down or slow
	// (default 1000); more are dropped and counted.
	Queue int
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration
	// LookupEnv reads the receivers' ${VAR} references (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	Client    *http.Client // default: http.DefaultClient
	Metrics   *Metrics     // nil: unregistered ones
	Logger    *slog.Logger // nil: discard
}

// State keeps the open problems across restarts (the landlord): by key
// ("kind/tenant"), the problem's fingerprint.
type State interface {
	Notifications(ctx context.Context) (map[string]string, error)
	PutNotification(ctx context.Context, key, fingerprint string) error
	DeleteNotification(ctx context.Context, key string) error
}

// Notifier dedups, batches and delivers events. Its methods are safe for
// concurrent use; Report never blocks.
type Notifier struct {
	opts Options
	log  *slog.Logger
	m    *Metrics

	mu      sync.Mutex
	open    map[string]string  // problem key -> fingerprint
	workers map[string]*worker // by receiver name
	conf    []spec.Receiver    // as last configured
	state   State
	writes  chan stateOp // to the state, in order
	closed  bool
	wg      sync.WaitGroup
}

// stateOp is one write of an open problem to the State (fp "": delete).
type stateOp struct{ key, fp string }

// New returns a Notifier with no receivers: Configure adds them.
func New(opts Options) *Notifier {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Window, DefaultWindow)
	def(&opts.Backoff, DefaultBackoff)
	def(&opts.MaxBackoff, DefaultMaxBackoff)
	def(&opts.Timeout, DefaultTimeout)
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{opts: opts, log: opts.Logger, m: opts.Metrics, open: map[string]string{}, workers: map[string]*worker{}}
}

// Configure sets the receivers (notify: of the commit being applied):
// unchanged ones keep their queue, removed ones deliver what they hold and
// stop. A receiver whose ${VAR} is not set is left out; the error names it
// and the variable.
func (n *Notifier) Configure(receivers []spec.Receiver) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || (n.conf != nil && reflect.DeepEqual(n.conf, receivers)) {
		return nil
	}
	n.conf = receivers
	var errs []error
	keep := map[string]bool{}
	for _, r := range receivers {
		t, err := resolve(r, n.opts.LookupEnv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		keep[r.Name] = true
		if w := n.workers[r.Name]; w != nil {
			if reflect.DeepEqual(w.t.Receiver, t.Receiver) {
				continue
			}
			w.stop()
		}
		w := newWorker(n, t)
		n.workers[r.Name] = w
		n.wg.Add(1)
		go func() { defer n.wg.Done(); w.run() }()
	}
	for name, w := range n.workers {
		if !keep[name] {
			w.stop()
			delete(n.workers, name)
		}
	}
	return errors.Join(errs...)
}

// UseState loads the open problems from s and records every change there
// from now on (in the background, in order). Problems already open in
// memory win over loaded ones.
func (n *Notifier) UseState(ctx context.Context, s State) error {
	loaded, err := s.Notifications(ctx)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != nil || n.closed {
		return nil
	}
	for k, fp := range loaded {
		if _, ok := n.open[k]; !ok {
			n.open[k] = fp
		}
	}
	n.state = s
	n.writes = make(chan stateOp, n.opts.Queue)
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.persist(s, n.writes) }()
	return nil
}

// Report tells ev, unless it is the problem already open (or, Resolved,
// no problem is open). It never blocks: a receiver whose queue is full
// drops it and counts it.
func (n *Notifier) Report(ev Event) {
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	key, fp := ev.key(), ev.fingerprint()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	old, open := n.open[key]
	switch {
	case ev.Resolved && !open, !ev.Resolved && open && old == fp:
		n.mu.Unlock()
		return
	case ev.Resolved:
		delete(n.open, key)
		ev.Severity, fp = severityOf(old), ""
	default:
		n.open[key] = fp
	}
	if n.writes != nil {
		select {
		case n.writes <- stateOp{key, fp}:
		default: // the state is behind: memory still dedups; a restart may tell it again
		}
	}
	workers := make([]*worker, 0, len(n.workers))
	for _, w := range n.workers {
		workers = append(workers, w)
	}
	n.mu.Unlock()
	for _, w := range workers {
		if w.t.wants(ev) {
			w.enqueue(ev)
		}
	}
}

// Flush delivers every event the receivers hold now, without waiting for
// their windows, and returns once they are delivered or given up, or ctx
// ends (strata plan/apply --notify before exiting).
func (n *Notifier) Flush(ctx context.Context) error {
	n.mu.Lock()
	workers := make([]*worker, 0, len(n.workers))
	for _, w := range n.workers {
		workers = append(workers, w)
	}
	n.mu.Unlock()
	for _, w := range workers {
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the receivers after they deliver what they hold (bounded by
// ctx) and the state writer after its writes.
func (n *Notifier) Close(ctx context.Context) {
	n.Flush(ctx)
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	for _, w := range n.workers {
		w.stop()
	}
	if n.writes != nil {
		close(n.writes)
	}
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// persist writes the open problems' changes to s, in order.
func (n *Notifier) persist(s State, ops <-chan stateOp) {
	for op := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.Timeout)
		var err error
		if op.fp == "" {
			err = s.DeleteNotification(ctx, op.key)
		} else {
			err = s.PutNotification(ctx, op.key, op.fp)
		}
		cancel()
		if err != nil {
			n.log.Warn("cannot record a notification in the landlord; a restart may tell it again", "problem", op.key, "err", err)
		}
	}
}

// backoff is the wait before attempt n+1 (n >= 1): exponential, capped,
// between half and all of it.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.opts.Backoff
	for i := 1; i < attempt && d < n.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.opts.MaxBackoff)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
