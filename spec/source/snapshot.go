package source

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// Snapshot is the config repo at one commit: what spec.Load reads and what
// the landlord records as the commit (and PR) that approved a change.
type Snapshot struct {
	// Commit is the full hex hash of the commit, or "" for a working directory.
	Commit string
	// Message is the full commit message ("" for a working directory).
	Message string
	// PR is the pull/merge request number the commit merged, 0 when the commit
	// is not a recognisable PR merge (see ParsePR).
	PR int
	// Time is the committer time (zero for a working directory).
	Time time.Time
	// FS reads the commit's files; paths are relative to the repo root.
	FS fs.FS
}

// Short returns a label for reports: the first 12 hex digits of the commit,
// or "worktree" for a working directory.
func (s Snapshot) Short() string {
	if s.Commit == "" {
		return "worktree"
	}
	if len(s.Commit) > 12 {
		return s.Commit[:12]
	}
	return s.Commit
}

// Worktree returns a Snapshot of a plain directory (uncommitted files
// included, no Git needed), as `strata plan` without --ref and
// `strata run --watch` read it.
func Worktree(dir string) (Snapshot, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: config repo directory: %w", err)
	}
	if !fi.IsDir() {
		return Snapshot{}, fmt.Errorf("source: config repo %s is not a directory; pass the directory that holds strata.yaml", dir)
	}
	return Snapshot{FS: os.DirFS(dir)}, nil
}

// commitSnapshot returns the Snapshot of commit c. The caller holds mu, the
// lock of c's repository, which the snapshot's FS takes on every read.
func commitSnapshot(c *object.Commit, mu *sync.Mutex) (Snapshot, error) {
	tree, err := c.Tree()
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: read tree of commit %s: %w", c.Hash, err)
	}
	return Snapshot{
		Commit:  c.Hash.String(),
		Message: c.Message,
		PR:      ParsePR(c.Message),
		Time:    c.Committer.When,
		FS:      newTreeFS(tree, c.Committer.When, mu),
	}, nil
}
