package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// fakeClock is a clock that moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan time.Duration // every NewTimer and Reset, for tests that wait for one
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), armed: make(chan time.Duration, 1000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		t.fireIfDue()
	}
}

// waitArmed waits until some timer is set to d.
func (c *fakeClock) waitArmed(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-c.armed:
			if got == d {
				return
			}
		case <-deadline:
			t.Fatalf("no timer of %s was set", d)
		}
	}
}

type fakeTimer struct {
	c  *fakeClock
	ch chan time.Time
	at time.Time
	on bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.on
	t.on = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	select { // like a Go 1.23 timer: no stale value after Reset
	case <-t.ch:
	default:
	}
	t.at, t.on = t.c.now.Add(d), true
	t.fireIfDue()
	t.c.armed <- d
}

// fireIfDue sends on the channel when the timer is due; c.mu is held.
func (t *fakeTimer) fireIfDue() {
	if t.on && !t.at.After(t.c.now) {
		t.on = false
		select {
		case t.ch <- t.c.now:
		default:
		}
	}
}

// fakeEngine stands in for the reconciler: each tenant's apply returns
// what script says (converged when absent) and is recorded in calls.
type fakeEngine struct {
	mu       sync.Mutex
	commit   string
	prepares int
	closed   bool
	calls    chan string
	script   func(ctx context.Context, name string) reconciler.TenantResult
	ping     func(server string) error
	sweeps   int
	drift    func() *reconciler.DriftResult // what Sweep finds; nil: nothing
}

func (e *fakeEngine) Prepare(ctx context.Context, tenants []string) (pass, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prepares++
	return e, nil
}

func (e *fakeEngine) Apply(ctx context.Context, name string) applied {
	e.calls <- name
	res := reconciler.TenantResult{Name: name, Outcome: reconciler.OutcomeConverged}
	if e.script != nil {
		res = e.script(ctx, name)
		res.Name = name
	}
	return applied{res: res, plan: &planner.TenantPlan{Name: name}}
}

func (e *fakeEngine) Sweep(context.Context, []string) (*reconciler.DriftResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sweeps++
	if e.drift != nil {
		return e.drift(), nil
	}
	return nil, nil
}

func (e *fakeEngine) Ping(_ context.Context, server string) error {
	if e.ping == nil {
		return nil
	}
	return e.ping(server)
}

func (e *fakeEngine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	return nil
}

func (e *fakeEngine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// harness is a Daemon on a fake clock whose generations use fake engines,
// over a config directory with the named tenants.
type harness struct {
	t       testing.TB
	d       *Daemon
	clock   *fakeClock
	dir     string
	script  func(ctx context.Context, name string) reconciler.TenantResult
	pingErr error // what every ping returns
	engines []*fakeEngine
	calls   chan string
	mu      sync.Mutex
}

func newHarness(t testing.TB, opts Options, tenants ...string) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), dir: t.TempDir(), calls: make(chan string, 1000)}
	h.write("strata.yaml", "servers:\n  main:\n    dsn: \"root@tcp(127.0.0.1:1)/\"\ndefaults: { server: main }\n")
	h.write("basic/001_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n")
	h.write("templates/club/template.yaml", "name: club\nversion: 1.0.0\n")
	for _, n := range tenants {
		h.tenant(n, "")
	}
	opts.Source = DirSource(h.dir)
	opts.clock = h.clock
	opts.engine = func(_ *spec.Fleet, snap source.Snapshot) (engine, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		e := &fakeEngine{commit: snap.Commit, calls: h.calls, script: func(ctx context.Context, name string) reconciler.TenantResult {
			h.mu.Lock()
			s := h.script
			h.mu.Unlock()
			if s == nil {
				return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
			}
			return s(ctx, name)
		}, ping: func(string) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.pingErr
		}}
		h.engines = append(h.engines, e)
		return e, nil
	}
	d, err := New(opts)
	require.NoError(t, err)
	h.d = d
	return h
}

func (h *harness) write(path, body string) {
	h.t.Helper()
	p := filepath.Join(h.dir, filepath.FromSlash(path))
	require.NoError(h.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(h.t, os.WriteFile(p, []byte(body), 0o644))
}

// tenant writes tenants/<name>/tenant.yaml with extra YAML lines.
func (h *harness) tenant(name, extra string) {
	h.write("tenants/"+name+"/tenant.yaml", fmt.Sprintf("name: %s\ntemplate: club\n%s", name, extra))
}

func (h *harness) setPing(err error) {
	h.mu.Lock()
	h.pingErr = err
	h.mu.Unlock()
}

func (h *harness) setScript(s func(ctx context.Context, name string) reconciler.TenantResult) {
	h.mu.Lock()
	h.script = s
	h.mu.Unlock()
}

// round dispatches what is due and finishes it, returning the tenants applied in order.
func (h *harness) round() []string {
	h.t.Helper()
	results := make(chan done, 100)
	n := h.d.dispatch(context.Background(), results)
	var got []string
	for range n {
		r := <-results
		h.d.finish(r)
		got = append(got, r.name)
	}
	h.drainCalls()
	return got
}

func (h *harness) drainCalls() {
	for {
		select {
		case <-h.calls:
		default:
			return
		}
	}
}

func (h *harness) state(name string) tenantState {
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	return *h.d.tenants[name]
}
