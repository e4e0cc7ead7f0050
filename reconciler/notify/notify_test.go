package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/spec"
)

// receiver is an HTTP server that records what strata posts to it; status
// (default 200) is what it answers.
type receiver struct {
	srv    *httptest.Server
	got    chan []byte
	status atomic.Int32
	calls  atomic.Int32
	block  chan struct{} // non-nil: every request waits until it is closed
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan []byte, 100)}
	r.status.Store(200)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		if r.block != nil {
			select {
			case <-r.block:
			case <-req.Context().Done():
				return
			}
		}
		var b bytes.Buffer
		b.ReadFrom(req.Body)
		if code := int(r.status.Load()); code != 200 {
			w.WriteHeader(code)
			return
		}
		r.got <- b.Bytes()
	}))
	t.Cleanup(func() {
		if r.block != nil {
			select {
			case <-r.block:
			default:
				close(r.block)
			}
		}
		r.srv.Close()
	})
	return r
}

// message waits for the next webhook message.
func (r *receiver) message(t *testing.T) Message {
	t.Helper()
	select {
	case b := <-r.got:
		var m Message
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message arrived")
	}
	return Message{}
}

// none checks that no message arrives for a while.
func (r *receiver) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case b := <-r.got:
		t.Fatalf("unexpected message: %s", b)
	case <-time.After(wait):
	}
}

const window = 50 * time.Millisecond

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// newNotifier returns a notifier with one webhook receiver at url (given
// as ${HOOK_URL}) that wants events.
func newNotifier(t *testing.T, url string, opts Options, r spec.Receiver) *Notifier {
	t.Helper()
	if opts.Window == 0 {
		opts.Window = window
	}
	if opts.Backoff == 0 {
		opts.Backoff, opts.MaxBackoff = 10*time.Millisecond, 40*time.Millisecond
	}
	opts.LookupEnv = env(map[string]string{"HOOK_URL": url})
	n := New(opts)
	if r.Name == "" {
		r.Name = "hook"
	}
	if r.Type == "" {
		r.Type = spec.ReceiverWebhook
	}
	r.URL = "${HOOK_URL}"
	if r.Events == nil {
		r.Events = []string{"tenant_failed", "tenant_blocked", "drift", "rollout_finished", "rollout_halted", "config_invalid"}
	}
	require.NoError(t, n.Configure([]spec.Receiver{r}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.Close(ctx)
	})
	return n
}

// Every kind of event reaches a webhook as JSON with a summary a person
// can read; drift below the receiver's severity and tenants outside its
// selector are not told.
func TestEventsReachWebhook(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, rcv.srv.URL, Options{}, spec.Receiver{DriftSeverity: "high", Selector: map[string]string{"tier": "gold"}})
	gold := map[string]string{"tier": "gold"}
	tests := []struct {
		ev   Event
		want string
	}{
		{Event{Kind: TenantFailed, Tenant: "acme", Labels: gold, Detail: "Error 1064: syntax"}, "strata: tenant acme failed"},
		{Event{Kind: TenantBlocked, Tenant: "acme", Labels: gold, Detail: "DROP COLUMN members.fax"}, "strata: tenant acme waits for an approval in Git"},
		{Event{Kind: Drift, Tenant: "acme", Labels: gold, Severity: "critical", Detail: "table x added"}, "strata: tenant acme drifted (critical)"},
		{Event{Kind: ConfigInvalid, Commit: "0123456789abcdef", Detail: "strata.yaml:3:1: bad"}, "strata: config repo commit 0123456789ab is invalid; strata keeps converging to the last valid commit"},
		{Event{Kind: RolloutHalted, Commit: "0123456789abcdef", Detail: "wave 1: 3 of 10 failed"}, "strata: rollout of commit 0123456789ab halted"},
		{Event{Kind: RolloutFinished, Commit: "0123456789abcdef", Detail: "10 converged"}, "strata: rollout of commit 0123456789ab finished"},
	}
	for _, tt := range tests {
		n.Report(tt.ev)
		m := rcv.message(t)
		assert.Equal(t, tt.want, m.Summary)
		require.Len(t, m.Events, 1)
		assert.Contains(t, m.Text, tt.ev.Detail)
	}
	n.Report(Event{Kind: Drift, Tenant: "beta", Labels: gold, Severity: "medium", Detail: "low"})
	n.Report(Event{Kind: TenantFailed, Tenant: "free", Labels: map[string]string{"tier": "free"}, Detail: "x"})
	n.Report(Event{Kind: TenantFailed, Tenant: "nolabels", Detail: "x"})
	rcv.none(t, 4*window)
}

// A Slack receiver gets {"text": ...} with the summary and each tenant.
func TestSlackFormat(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, rcv.srv.URL, Options{}, spec.Receiver{Type: spec.ReceiverSlack})
	n.Report(Event{Kind: TenantFailed, Tenant: "acme", Detail: "Error 1146: table <missing> & gone"})
	var got map[string]any
	select {
	case b := <-rcv.got:
		require.NoError(t, json.Unmarshal(b, &got))
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	assert.Equal(t, "strata: tenant acme failed\n  - acme: Error 1146: table &lt;missing&gt; &amp; gone\n", fmt.Sprint(got["text"]))
	assert.Len(t, got, 1, "a Slack incoming webhook takes text")
}

// One problem per tenant and kind is told once until it changes; when it
// clears a resolved message follows, once.
func TestDedupAndResolved(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, rcv.srv.URL, Options{}, spec.Receiver{})
	fail := Event{Kind: TenantFailed, Tenant: "acme", Detail: "Error 1064"}
	n.Report(fail)
	n.Report(fail)
	m := rcv.message(t)
	assert.Len(t, m.Events, 1)
	n.Report(fail)
	rcv.none(t, 4*window)

	fail.Detail = "Error 1146"
	n.Report(fail)
	m = rcv.message(t)
	assert.Equal(t, "Error 1146", m.Events[0].Detail, "a changed problem is told again")

	n.Report(Event{Kind: TenantFailed, Tenant: "acme", Resolved: true})
	m = rcv.message(t)
	assert.Equal(t, "strata: tenant acme recovered", m.Summary)
	n.Report(Event{Kind: TenantFailed, Tenant: "acme", Resolved: true})
	n.Report(Event{Kind: TenantBlocked, Tenant: "acme", Resolved: true}) // never open
	rcv.none(t, 4*window)

	// A resolved drift goes where the drift went: by the severity it had.
	n.Report(Event{Kind: Drift, Tenant: "acme", Severity: "critical"})
	rcv.message(t)
	n.Report(Event{Kind: Drift, Tenant: "acme", Resolved: true})
	m = rcv.message(t)
	assert.Equal(t, "strata: tenant acme no longer drifted", m.Summary)
}

// Events within the window go out as one message: 37 failures are one
// "37 tenants failed" naming the first few.
func TestBatching(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, rcv.srv.URL, Options{Window: 300 * time.Millisecond}, spec.Receiver{})
	for i := range 37 {
		n.Report(Event{Kind: TenantFailed, Tenant: fmt.Sprintf("t%02d", i), Detail: "Error 1064"})
	}
	n.Report(Event{Kind: TenantBlocked, Tenant: "t99", Detail: "DROP TABLE x"})
	m := rcv.message(t)
	assert.Equal(t, "strata: 37 tenants failed: t00, t01, t02, t03, t04, ... (+32); tenant t99 waits for an approval in Git", m.Summary)
	assert.Len(t, m.Events, 38)
	assert.Contains(t, m.Text, "  ... and 17 more\n")
	rcv.none(t, 500*time.Millisecond)
	assert.EqualValues(t, 1, rcv.calls.Load())
}

// A receiver answering 5xx is retried with backoff until it takes the
// message; one answering 4xx is not retried.
func TestRetries(t *testing.T) {
	rcv := newReceiver(t)
	rcv.status.Store(503)
	n := newNotifier(t, rcv.srv.URL, Options{Attempts: 10}, spec.Receiver{})
	n.Report(Event{Kind: TenantFailed, Tenant: "acme", Detail: "x"})
	require.Eventually(t, func() bool { return rcv.calls.Load() >= 3 }, 5*time.Second, 5*time.Millisecond)
	rcv.status.Store(200)
	m := rcv.message(t)
	assert.Equal(t, "strata: tenant acme failed", m.Summary)

	rcv2 := newReceiver(t)
	rcv2.status.Store(404)
	n2 := newNotifier(t, rcv2.srv.URL, Options{Attempts: 10}, spec.Receiver{})
	n2.Report(Event{Kind: TenantFailed, Tenant: "acme", Detail: "x"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, n2.Flush(ctx))
	time.Sleep(100 * time.Millisecond)
	assert.EqualValues(t, 1, rcv2.calls.Load(), "a 404 is not retried")
	assert.Equal(t, 1.0, value(n2.m.Notifications.WithLabelValues("hook", "failed")))
}

// A receiver that hangs never blocks Report: 15,000 events return at
// once, the overflow of its queue is dropped and counted, and another
// receiver still gets its messages.
func TestReceiverDownDoesNotBlock(t *testing.T) {
	down := newReceiver(t)
	down.block = make(chan struct{})
	up := newReceiver(t)
	opts := Options{Window: window, Queue: 10000, Timeout: time.Minute, LookupEnv: env(map[string]string{"DOWN": down.srv.URL, "UP": up.srv.URL})}
	n := New(opts)
	all := []string{"tenant_failed"}
	require.NoError(t, n.Configure([]spec.Receiver{
		{Name: "down", Type: spec.ReceiverWebhook, URL: "${DOWN}", Events: all},
		{Name: "up", Type: spec.ReceiverWebhook, URL: "${UP}", Events: all},
	}))
	n.Report(Event{Kind: TenantFailed, Tenant: "first"})
	require.Eventually(t, func() bool { return down.calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	up.message(t)

	start := time.Now()
	for i := range 15000 {
		n.Report(Event{Kind: TenantFailed, Tenant: fmt.Sprintf("t%05d", i)})
	}
	took := time.Since(start)
	// A blocking Report would wait out the hung request (Timeout: a minute).
	assert.Less(t, took, 10*time.Second, "Report blocked on a hung receiver")
	assert.Equal(t, 5000.0, value(n.m.Notifications.WithLabelValues("down", "dropped")))
	// The receiver that is up gets every event its queue took, in batches
	// of at most 1000.
	upDropped := int(value(n.m.Notifications.WithLabelValues("up", "dropped")))
	got := 0
	for got < 15000-upDropped {
		m := up.message(t)
		assert.LessOrEqual(t, len(m.Events), 1000)
		got += len(m.Events)
	}
	close(down.block)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.Close(ctx)
}

// The receiver's URL and headers are secrets: no log line or error holds
// them, whether the receiver is unreachable, answers an error or the
// variable is missing.
func TestSecretsNeverLogged(t *testing.T) {
	const secret = "T0KEN-s3cr3t-path"
	rcv := newReceiver(t)
	rcv.status.Store(403)
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	n := New(Options{Window: window, Attempts: 2, Backoff: time.Millisecond, Logger: log, LookupEnv: env(map[string]string{
		"FORBIDDEN": rcv.srv.URL + "/services/" + secret + "?token=" + secret,
		"CLOSED":    closed.URL + "/hooks/" + secret,
		"BAD":       "http://[::1%" + secret,
		"AUTH":      "Bearer " + secret,
	})})
	ev := []string{"tenant_failed"}
	err := n.Configure([]spec.Receiver{
		{Name: "forbidden", Type: spec.ReceiverSlack, URL: "${FORBIDDEN}", Events: ev, Headers: map[string]string{"Authorization": "${AUTH}"}},
		{Name: "closed", Type: spec.ReceiverWebhook, URL: "${CLOSED}", Events: ev},
		{Name: "bad", Type: spec.ReceiverWebhook, URL: "${BAD}", Events: ev},
		{Name: "unset", Type: spec.ReceiverWebhook, URL: "https://x/${UNSET_" + "VAR}", Events: ev},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "receiver unset: url: environment variable UNSET_VAR is not set")
	n.Report(Event{Kind: TenantFailed, Tenant: "acme"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, n.Flush(ctx))
	n.Close(ctx)
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	assert.Contains(t, out, "receiver=forbidden")
	assert.Contains(t, out, "403 Forbidden")
	assert.Contains(t, out, "receiver=closed")
	assert.Contains(t, out, "connection refused")
	assert.Contains(t, out, "receiver=bad")
	assert.NotContains(t, out, secret)
	assert.NotContains(t, err.Error(), secret)
	assert.EqualValues(t, 1, rcv.calls.Load(), "403 is not retried")
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// memState is a State in memory, standing in for the landlord (tested
// against MariaDB in package landlord).
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memState) Notifications(context.Context) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.m {
		out[k] = v
	}
	return out, nil
}

func (s *memState) PutNotification(_ context.Context, k, fp string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = fp
	return nil
}

func (s *memState) DeleteNotification(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

// With a State, a restarted notifier does not tell an open problem again,
// and tells when it clears.
func TestStateSurvivesRestart(t *testing.T) {
	rcv := newReceiver(t)
	st := &memState{m: map[string]string{}}
	ctx := context.Background()
	n := newNotifier(t, rcv.srv.URL, Options{}, spec.Receiver{})
	require.NoError(t, n.UseState(ctx, st))
	fail := Event{Kind: TenantFailed, Tenant: "acme", Detail: "Error 1064"}
	n.Report(fail)
	rcv.message(t)
	n.Close(ctx)
	require.Len(t, st.m, 1)

	n2 := newNotifier(t, rcv.srv.URL, Options{}, spec.Receiver{})
	require.NoError(t, n2.UseState(ctx, st))
	n2.Report(fail)
	rcv.none(t, 4*window)
	n2.Report(Event{Kind: TenantFailed, Tenant: "acme", Resolved: true})
	assert.Equal(t, "strata: tenant acme recovered", rcv.message(t).Summary)
	n2.Close(ctx)
	assert.Empty(t, st.m)
}

func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
