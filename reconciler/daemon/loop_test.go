package daemon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler"
)

// applyAll runs rounds until nothing is due and returns every tenant applied.
func (h *harness) applyAll() []string {
	var all []string
	for {
		got := h.round()
		if len(got) == 0 {
			sort.Strings(all)
			return all
		}
		all = append(all, got...)
	}
}

// One pass is prepared per generation, however many tenants it applies;
// a new generation applies only the tenants whose spec changed, first, and
// the old generation's engine closes once no worker uses it.
func TestLoopPreparesOncePerGeneration(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 2}, "a", "b", "c", "d", "e")
	ctx := context.Background()
	h.d.sync(ctx)
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, h.applyAll())
	require.Len(t, h.engines, 1)
	assert.Equal(t, 1, h.engines[0].prepares)

	h.tenant("c", "approve:\n  destructive: [\"DROP COLUMN a.x\"]\n")
	h.d.sync(ctx)
	require.Len(t, h.engines, 2)
	assert.True(t, h.engines[0].isClosed(), "the old generation's engine is closed once idle")
	assert.Equal(t, []string{"c"}, h.applyAll())
	assert.Equal(t, 1, h.engines[1].prepares)
}

// A transient failure is retried after an exponential backoff with jitter,
// not before; success ends the backoff.
func TestLoopBacksOffTransientFailures(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 4, Backoff: time.Second, MaxBackoff: 8 * time.Second}, "a", "b")
	fail := true
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		if name == "b" && fail {
			err := reconciler.Transient(errors.New("Error 1213: Deadlock found"))
			return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a", "b"}, h.applyAll())
	for n, window := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		st := h.state("b")
		require.Equal(t, n+1, st.failures)
		wait := st.next.Sub(h.clock.Now())
		require.GreaterOrEqual(t, wait, window/2, "failure %d", n+1)
		require.LessOrEqual(t, wait, window, "failure %d", n+1)
		wake, ok := h.d.nextWake()
		require.True(t, ok)
		assert.Equal(t, wait, wake)
		h.clock.Advance(wait - time.Millisecond)
		assert.Empty(t, h.round(), "retried before its backoff ended")
		h.clock.Advance(time.Millisecond)
		assert.Equal(t, []string{"b"}, h.round())
	}
	fail = false
	h.clock.Advance(8 * time.Second)
	assert.Equal(t, []string{"b"}, h.round())
	st := h.state("b")
	assert.Equal(t, 0, st.failures)
	assert.Equal(t, st.key, st.doneKey)
}

// Drift the strategy reports, a stalled failure and a waiting one are not
// retried with backoff; the drift sweep lets them try again. A blocked
// tenant waits for Git.
func TestLoopWaitsAndStallsWithoutBackoff(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 8, Backoff: time.Second, MaxBackoff: 4 * time.Second}, "blocked", "drifted", "ok", "stalled", "waiting")
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		var err error
		switch name {
		case "blocked":
			return reconciler.TenantResult{Outcome: reconciler.OutcomeBlocked}
		case "drifted":
			return reconciler.TenantResult{Outcome: reconciler.OutcomeDrifted, Error: "drifted since the last apply: strategy report repairs nothing"}
		case "stalled":
			err = reconciler.Stalled(errors.New("basic/001_a.sql:1: Error 1064: syntax (fix this statement of the layer)"))
		case "waiting":
			err = reconciler.Waiting("DROP COLUMN a.x awaits approval")
		default:
			return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
	})
	h.d.sync(context.Background())
	assert.Equal(t, []string{"blocked", "drifted", "ok", "stalled", "waiting"}, h.applyAll())
	want := map[string]Class{"blocked": ClassBlocked, "drifted": ClassWaiting, "ok": ClassOK, "stalled": ClassStalled, "waiting": ClassWaiting}
	for name, class := range want {
		assert.Equal(t, class, h.state(name).class, name)
	}
	assert.Equal(t, 2.0, value(h.d.m.Waiting.WithLabelValues("waiting")))
	assert.Equal(t, 1.0, value(h.d.m.Waiting.WithLabelValues("stalled")))
	assert.Equal(t, 0.0, value(h.d.m.Waiting.WithLabelValues("transient")))
	_, ok := h.d.nextWake()
	assert.False(t, ok, "nothing is backing off")
	h.clock.Advance(time.Hour)
	assert.Empty(t, h.round())

	sweeps := make(chan error, 1)
	h.d.startSweep(context.Background(), sweeps)
	assert.Equal(t, []string{"drifted", "stalled", "waiting"}, h.applyAll())
	assert.Equal(t, 2, h.engines[0].prepares, "the sweep drops the pass; the next apply prepares another")
}

// The tenant status gauge moves as each tenant finishes, with no landlord
// query and no drift sweep.
func TestLoopStatusGaugeIsCurrent(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 1}, "a", "b", "c")
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		if name == "c" {
			err := reconciler.Stalled(errors.New("no secret key"))
			return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(context.Background())
	active := h.d.m.Tenants.WithLabelValues("active")
	for i, want := range []float64{1, 2, 2} {
		require.Len(t, h.round(), 1)
		assert.Equal(t, want, value(active), "after tenant %d", i+1)
	}
	assert.Equal(t, 1.0, value(h.d.m.Tenants.WithLabelValues("failed")))
}

// On cancellation Run takes no new work, lets running applies finish for
// at most Options.Drain, then cancels them and returns.
func TestRunDrains(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 2, Drain: 7 * time.Second}, "a", "b", "c")
	release := make(chan struct{})
	h.setScript(func(ctx context.Context, name string) reconciler.TenantResult {
		if name == "a" {
			<-release
			return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
		}
		<-ctx.Done() // b runs until the drain ends
		err := reconciler.Transient(ctx.Err())
		return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.d.Run(ctx) }()
	started := []string{<-h.calls, <-h.calls}
	sort.Strings(started)
	assert.Equal(t, []string{"a", "b"}, started)
	cancel()
	h.clock.waitArmed(t, 7*time.Second)
	close(release)
	select {
	case <-ran:
		t.Fatal("Run returned before the drain ended")
	case <-time.After(50 * time.Millisecond):
	}
	h.clock.Advance(7 * time.Second)
	select {
	case err := <-ran:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the drain")
	}
	select {
	case name := <-h.calls:
		t.Fatalf("%s started after cancellation", name)
	default:
	}
	assert.Equal(t, string(reconciler.OutcomeConverged), h.state("a").last.Outcome)
	assert.Equal(t, string(reconciler.OutcomeFailed), h.state("b").last.Outcome)
	assert.True(t, h.engines[0].isClosed())
}

// value reads a gauge.
func value(g prometheus.Gauge) float64 {
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		panic(err)
	}
	return m.GetGauge().GetValue()
}

// A transient failure whose server does not answer a ping holds every
// tenant of that server: none is dispatched or backs off on its own, the
// outage is logged once, and readiness says why; the server is probed with
// its own backoff, and its tenants resume once it answers.
func TestLoopHoldsTenantsOfADownServer(t *testing.T) {
	logs := &syncBuffer{}
	h := newHarness(t, Options{Concurrency: 1, Backoff: time.Second, MaxBackoff: 4 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}, "a", "b", "c")
	down := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	h.setScript(func(context.Context, string) reconciler.TenantResult {
		err := reconciler.Transient(down)
		return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
	})
	h.setPing(down)
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a"}, h.round())
	ok, reason := h.d.Ready()
	assert.False(t, ok)
	assert.Contains(t, reason, "server main unreachable")
	assert.Equal(t, 0, h.state("a").failures, "the outage is the server's, not the tenant's")
	h.clock.Advance(time.Hour)
	assert.Empty(t, h.round(), "tenants of a down server are held")

	// The server's probe backs off: due after its first backoff, not before.
	probes := make(chan probeResult, 1)
	h.d.startProbes(context.Background(), false, probes)
	h.d.probed(<-probes) // still down
	wake, ok := h.d.nextWake()
	require.True(t, ok)
	assert.GreaterOrEqual(t, wake, time.Second, "second failed probe: backoff of 2s with jitter")
	h.d.startProbes(context.Background(), false, probes)
	select {
	case <-probes:
		t.Fatal("probed again before the server's backoff ended")
	default:
	}
	h.setScript(nil)
	h.setPing(nil)
	h.clock.Advance(wake)
	h.d.startProbes(context.Background(), false, probes)
	h.d.probed(<-probes)
	h.d.mu.Lock()
	h.d.lastLoop = h.clock.Now() // Run would have
	h.d.mu.Unlock()
	ok, reason = h.d.Ready()
	assert.True(t, ok, reason)
	assert.Equal(t, []string{"a", "b", "c"}, h.applyAll())
	assert.Equal(t, 1, strings.Count(logs.String(), "database server unreachable"))
	assert.Equal(t, 1, strings.Count(logs.String(), "database server reachable again"))
	assert.NotContains(t, logs.String(), "tenant failed; retrying with backoff")
}

// syncBuffer is a log sink safe for the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
