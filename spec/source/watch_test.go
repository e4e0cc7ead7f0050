package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testDebounce = 50 * time.Millisecond

// quiet is how long a test waits to show that no event comes: several
// debounce periods, so a missed coalescing would show up.
const quiet = 6 * testDebounce

// expectEvent waits (bounded) for one event.
func expectEvent(t *testing.T, events <-chan struct{}, what string) {
	t.Helper()
	select {
	case _, ok := <-events:
		require.True(t, ok, "channel closed while waiting for %s", what)
	case <-time.After(5 * time.Second):
		t.Fatalf("no event after %s", what)
	}
}

// expectNone shows that no event arrives for a while.
func expectNone(t *testing.T, events <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-events:
		t.Fatalf("unexpected event: %s", what)
	case <-time.After(quiet):
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "tenants", "acme"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git", "objects"), 0o755))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := Watch(ctx, dir, testDebounce)
	require.NoError(t, err)

	// A burst of writes, in an existing subdirectory too, is one event.
	for i := range 20 {
		writeFile(t, filepath.Join(dir, "strata.yaml"), "kind: Config\n# "+string(rune('a'+i))+"\n")
		writeFile(t, filepath.Join(dir, "tenants", "acme", "tenant.yaml"), "template: party\n")
	}
	expectEvent(t, events, "a burst of writes")
	expectNone(t, events, "the burst must coalesce into one event")

	// Git's own files are not the config.
	writeFile(t, filepath.Join(dir, ".git", "index"), "x")
	writeFile(t, filepath.Join(dir, ".git", "objects", "ab"), "x")
	expectNone(t, events, "writes under .git")

	// A chmod alone changes nothing a loader reads.
	require.NoError(t, os.Chmod(filepath.Join(dir, "strata.yaml"), 0o600))
	expectNone(t, events, "chmod only")

	// A new directory is watched: its creation is an event, and so is a
	// later write inside it.
	newDir := filepath.Join(dir, "modules", "blog", "seed")
	require.NoError(t, os.MkdirAll(newDir, 0o755))
	expectEvent(t, events, "creating modules/blog/seed")
	writeFile(t, filepath.Join(newDir, "001.sql"), "INSERT INTO posts VALUES (1);\n")
	expectEvent(t, events, "a write in a new subdirectory")

	// Removing a file is a change.
	require.NoError(t, os.Remove(filepath.Join(dir, "tenants", "acme", "tenant.yaml")))
	expectEvent(t, events, "a removal")

	// A reader that is busy gets one pending event, not a backlog.
	writeFile(t, filepath.Join(dir, "strata.yaml"), "kind: Config\n# 1\n")
	time.Sleep(2 * testDebounce) // the first event fires unread
	writeFile(t, filepath.Join(dir, "strata.yaml"), "kind: Config\n# 2\n")
	time.Sleep(quiet)
	expectEvent(t, events, "changes while the reader was busy")
	expectNone(t, events, "only one event is kept for a busy reader")

	cancel()
	select {
	case _, ok := <-events:
		require.False(t, ok, "the channel closes when ctx ends")
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestWatchErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "strata.yaml")
	writeFile(t, file, "kind: Config\n")
	for _, path := range []string{filepath.Join(dir, "missing"), file} {
		_, err := Watch(context.Background(), path, testDebounce)
		require.Error(t, err, path)
		require.Contains(t, err.Error(), path)
	}
}
