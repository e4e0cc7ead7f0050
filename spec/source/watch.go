package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is the quiet period Watch uses when given none: long enough
// to cover an editor's save or a git checkout, short enough to feel immediate.
const DefaultDebounce = 200 * time.Millisecond

// Watch reports changes under dir (strata run --watch): after a burst of
// writes, creates, removes or renames, once dir has been quiet for debounce,
// it sends one value on the returned channel. Subdirectories are watched,
// including ones created later; anything under .git is ignored, and so are
// chmod-only events. A value waiting unread absorbs later changes, so a slow
// reader gets one event, never a backlog. The channel is closed when ctx ends.
//
// A watcher error (such as an event queue overflow) is reported as a change:
// re-reading the directory is always safe, missing a change is not.
func Watch(ctx context.Context, dir string, debounce time.Duration) (<-chan struct{}, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("source: watch: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("source: watch %s: not a directory; pass the config repo directory", dir)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("source: watch %s: %w", dir, err)
	}
	if err := addTree(w, dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("source: watch %s: %w", dir, err)
	}
	out := make(chan struct{}, 1)
	go watchLoop(ctx, w, dir, debounce, out)
	return out, nil
}

// watchLoop turns fsnotify events into debounced signals on out until ctx ends.
func watchLoop(ctx context.Context, w *fsnotify.Watcher, dir string, debounce time.Duration, out chan<- struct{}) {
	defer close(out)
	defer w.Close()
	timer := time.NewTimer(debounce)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if ignored(dir, ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				// A new directory's files may already exist: the event itself
				// signals them, and the walk watches the rest.
				_ = addTree(w, ev.Name) // it may be gone already, or be a file
			}
			timer.Reset(debounce)
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
			timer.Reset(debounce)
		case <-timer.C:
			select {
			case out <- struct{}{}:
			default: // one is already waiting
			}
		}
	}
}

// addTree watches root and every directory below it except .git.
func addTree(w *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		return w.Add(path)
	})
}

// ignored reports whether ev cannot change the config: chmod only, or in .git.
func ignored(dir string, ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return true
	}
	rel, err := filepath.Rel(dir, ev.Name)
	if err != nil {
		return false
	}
	return slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), ".git")
}
