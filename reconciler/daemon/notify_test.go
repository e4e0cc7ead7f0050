package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/notify"
)

// hook is an HTTP receiver started in the test: it records every message
// strata posts, or with hang set holds every request until the test ends.
type hook struct {
	srv   *httptest.Server
	got   chan notify.Message
	hang  atomic.Bool
	calls atomic.Int32
}

func newHook(t *testing.T) *hook {
	h := &hook{got: make(chan notify.Message, 100)}
	stop := make(chan struct{})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.calls.Add(1)
		if h.hang.Load() {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
			return
		}
		var m notify.Message
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Errorf("receiver got no JSON: %v", err)
		}
		h.got <- m
	}))
	t.Cleanup(func() { close(stop); h.srv.Close() })
	return h
}

func (h *hook) message(t *testing.T) notify.Message {
	t.Helper()
	select {
	case m := <-h.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no notification arrived")
	}
	return notify.Message{}
}

func (h *hook) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-h.got:
		t.Fatalf("unexpected notification %q", m.Summary)
	case <-time.After(300 * time.Millisecond):
	}
}

// notifyHarness is a harness whose strata.yaml sends every event to hook
// for tenants labelled tier: gold.
func notifyHarness(t *testing.T, hk *hook, tenants ...string) *harness {
	n := notify.New(notify.Options{Window: 100 * time.Millisecond, Backoff: 10 * time.Millisecond, Timeout: time.Minute,
		LookupEnv: func(k string) (string, bool) { return hk.srv.URL + "/hooks/secret", k == "HOOK_URL" }})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n.Close(ctx)
	})
	h := newHarness(t, Options{Concurrency: 4, Backoff: time.Second, MaxBackoff: 4 * time.Second, Notify: n,
		Sweep: func(context.Context, *reconciler.Reconciler, []string) (*reconciler.DriftResult, error) {
			return nil, nil
		}})
	h.write("strata.yaml", notifyConfig)
	for _, name := range tenants {
		h.tenant(name, "labels: {tier: gold}\n")
	}
	return h
}

const notifyConfig = `servers:
  main:
    dsn: "root@tcp(127.0.0.1:1)/"
defaults: { server: main }
notify:
  - name: oncall
    type: webhook
    url: ${HOOK_URL}
    events: [tenant_failed, tenant_blocked, drift, rollout_finished, rollout_halted, config_invalid]
    drift_severity: high
    selector: { tier: gold }
`

func failed(err error) reconciler.TenantResult {
	return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
}

// The daemon tells a rollout's halt, failures and blocked tenants in one
// message, each problem once; a transient failure is told only once it
// repeats; a tenant outside the receiver's selector is not told. The next
// commit's rollout tells each tenant that converged resolved, its end, and
// that no rollout is halted any more.
func TestNotifyRollout(t *testing.T) {
	hk := newHook(t)
	h := notifyHarness(t, hk, "a", "b", "c", "d", "e", "f")
	h.tenant("free", "labels: {tier: free}\n")
	ctx := context.Background()
	broken := true
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		switch {
		case name == "e":
			return reconciler.TenantResult{Outcome: reconciler.OutcomeBlocked}
		case name == "f" && broken:
			return failed(reconciler.Transient(errors.New("Error 1213: Deadlock found")))
		case broken && name != "a":
			return failed(reconciler.Stalled(errors.New("basic/001_a.sql:1: Error 1064: syntax")))
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(ctx)
	h.applyAll()
	h.d.advance(ctx)
	m := hk.message(t)
	assert.Equal(t, "strata: rollout of commit worktree halted; 3 tenants failed: b, c, d; tenant e waits for an approval in Git", m.Summary, "f failed once: retried, not told")
	assert.Contains(t, m.Text, "  - b: basic/001_a.sql:1: Error 1064: syntax\n")
	assert.Contains(t, m.Text, "  - commit worktree: wave 0: ")

	// f fails twice more: told.
	for range 2 {
		h.clock.Advance(4 * time.Second)
		h.round()
		h.d.advance(ctx)
	}
	m = hk.message(t)
	assert.Equal(t, "strata: tenant f failed", m.Summary)

	// A new spec fixes them: each is told resolved, once, with the end of
	// the rollout.
	broken = false
	h.write("basic/001_a.sql", "CREATE TABLE a (id BIGINT PRIMARY KEY);\n")
	h.d.sync(ctx)
	h.applyAll()
	h.d.advance(ctx)
	m = hk.message(t)
	assert.Equal(t, "strata: rollout of commit worktree finished; rollout no longer halted (commit worktree); 4 tenants recovered: b, c, d, f", m.Summary)
	assert.Contains(t, m.Text, "6 converged, 1 blocked")
	hk.none(t)
}

// An invalid commit is told once, with its errors, while the fleet keeps
// its last valid commit; the next valid commit resolves it.
func TestNotifyConfigInvalid(t *testing.T) {
	hk := newHook(t)
	h := notifyHarness(t, hk, "a")
	ctx := context.Background()
	h.d.sync(ctx)
	h.applyAll()
	h.d.advance(ctx)
	assert.Equal(t, "strata: rollout of commit worktree finished", hk.message(t).Summary)

	h.write("tenants/a/tenant.yaml", "name: a\ntemplate: nope\n")
	h.d.sync(ctx)
	m := hk.message(t)
	assert.Equal(t, "strata: config repo commit worktree is invalid; strata keeps converging to the last valid commit", m.Summary)
	assert.Contains(t, m.Text, `tenants/a/tenant.yaml:2:11: unknown template "nope"`)
	h.d.sync(ctx)
	hk.none(t)

	h.tenant("a", "labels: {tier: gold}\n")
	h.d.sync(ctx)
	assert.Equal(t, "strata: config repo is valid again at commit worktree", hk.message(t).Summary)
}

// The drift sweep tells each tenant drifted at or above the receiver's
// severity, once while the drift stays the same, and resolved when a later
// sweep finds it in sync.
func TestNotifyDrift(t *testing.T) {
	hk := newHook(t)
	h := notifyHarness(t, hk, "a", "b", "c")
	ctx := context.Background()
	h.d.sync(ctx)
	h.applyAll()
	h.d.advance(ctx)
	hk.message(t) // rollout finished
	sweep := func(res *reconciler.DriftResult) {
		h.engines[0].mu.Lock()
		h.engines[0].drift = func() *reconciler.DriftResult { return res }
		h.engines[0].mu.Unlock()
		done := make(chan error, 1)
		h.d.startSweep(ctx, done)
		require.NoError(t, <-done)
		h.d.sweepDone(nil)
	}
	diff := []drift.Difference{{Object: drift.Table, Change: drift.Added, Table: "notes"}}
	found := &reconciler.DriftResult{Tenants: []reconciler.TenantDrift{
		{Name: "a", State: reconciler.DriftFound, Severity: drift.Critical, Score: 25, Differences: diff},
		{Name: "b", State: reconciler.DriftFound, Severity: drift.Low, Score: 1, Differences: diff},
		{Name: "c", State: reconciler.DriftNone},
	}}
	sweep(found)
	m := hk.message(t)
	assert.Equal(t, "strata: tenant a drifted (critical)", m.Summary)
	assert.Contains(t, m.Text, "  - a (critical): score 25: table notes added\n")
	sweep(found)
	hk.none(t)
	sweep(&reconciler.DriftResult{Tenants: []reconciler.TenantDrift{{Name: "a", State: reconciler.DriftNone}, {Name: "b", State: reconciler.DriftNone}}})
	assert.Equal(t, "strata: tenant a no longer drifted", hk.message(t).Summary)
}

// A receiver that hangs never holds up reconciling: a rollout of 200
// failing tenants finishes in the same rounds, its events wait in the
// receiver's queue (or are dropped), and the loop never waits for it.
func TestNotifyReceiverDownDoesNotBlock(t *testing.T) {
	hk := newHook(t)
	hk.hang.Store(true)
	names := make([]string, 200)
	for i := range names {
		names[i] = fmt.Sprintf("t%03d", i)
	}
	h := notifyHarness(t, hk, names...)
	h.setScript(func(context.Context, string) reconciler.TenantResult {
		return failed(reconciler.Stalled(errors.New("Error 1064")))
	})
	h.d.sync(context.Background())
	start := time.Now()
	assert.Len(t, h.applyAll(), 200)
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Eventually(t, func() bool { return hk.calls.Load() >= 1 }, 5*time.Second, 10*time.Millisecond, "the receiver was tried")
}
