package daemon_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/daemon"
)

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

// lines returns the log lines at level WARN or ERROR.
func (s *syncBuffer) loud() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}

func (s *syncBuffer) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), sub)
}

// eventually polls cond for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A database outage under the daemon: readiness turns false while the server
// (here tenants, dev and landlord alike) is down and true once it is back;
// the outage is logged once and its end once, tenants are held with their
// server instead of each backing off and logging on its own, and the change
// made meanwhile converges once the server is back.
func TestOutageHoldsTenantsAndReadiness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private mariadbd")
	}
	srv := dbtest.StartPrivate(t)
	const n = 12
	dir := writeFleet(t, n, "do_", srv.DSN, srv.DSN)

	logs := &syncBuffer{}
	d, err := daemon.New(daemon.Options{
		Source: daemon.DirSource(dir), Concurrency: 2, SecretKey: testKey,
		Poll: 200 * time.Millisecond, DriftInterval: time.Hour,
		Backoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-ran) }()
	converged := func() bool {
		c := 0
		for _, ts := range d.Status().Tenants {
			if ts.Converged {
				c++
			}
		}
		return c == n
	}
	eventually(t, 90*time.Second, "the fleet converges", converged)
	ok, reason := d.Ready()
	require.True(t, ok, reason)

	srv.Stop()
	eventually(t, 10*time.Second, "readiness reflects the outage", func() bool { ok, _ := d.Ready(); return !ok })
	_, reason = d.Ready()
	assert.Contains(t, reason, "unreachable")
	// A change arrives during the outage: every tenant is due.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "basic", "002_notes.sql"),
		[]byte("CREATE TABLE notes (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n"), 0o644))
	time.Sleep(3 * time.Second) // many server backoffs, many polls
	// Once per server: the fleet names it twice (tenants and dev "main",
	// landlord "ll").
	for _, name := range []string{"main", "ll"} {
		assert.Equal(t, 1, logs.count("database server unreachable; holding its tenants and probing it with backoff\" server="+name), name)
	}
	t.Logf("warnings and errors during the outage:\n%s", strings.Join(logs.loud(), "\n"))
	assert.LessOrEqual(t, len(logs.loud()), 2+2*2, "at most the outage and the tenants in flight when it began")

	srv.Start()
	eventually(t, 30*time.Second, "readiness returns", func() bool { ok, _ := d.Ready(); return ok })
	eventually(t, 60*time.Second, "the change converges after the outage", func() bool {
		for _, ts := range d.Status().Tenants {
			if !ts.Converged || ts.Last == nil || ts.Last.Outcome != "converged" {
				return false
			}
		}
		return true
	})
	for _, name := range []string{"main", "ll"} {
		assert.Equal(t, 1, logs.count("database server reachable again; resuming its tenants\" server="+name), name)
		assert.Equal(t, 1, logs.count("database server unreachable; holding its tenants and probing it with backoff\" server="+name), name)
	}
}
