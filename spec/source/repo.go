package source

import (
	"errors"
	"fmt"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Repo is a Git repository on local disk, opened to read commits from it
// (strata plan --base REF, --ref REF).
// Snapshots of one Repo may be read concurrently.
type Repo struct {
	mu   sync.Mutex // guards repo and every snapshot's reads of it
	dir  string
	repo *git.Repository
}

// OpenRepo opens the Git repository that contains dir (dir itself or a
// parent, like git does); a bare repository works too.
func OpenRepo(dir string) (*Repo, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("source: %s is not inside a Git repository; run strata from a clone of the config repo or omit --base/--ref", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("source: open Git repository %s: %w", dir, err)
	}
	return &Repo{dir: dir, repo: r}, nil
}

// Snapshot resolves ref and returns the Snapshot of that commit. ref is
// anything git rev-parse accepts for a commit: a branch ("main"), a remote
// branch ("origin/main"), a tag (lightweight or annotated), a full or
// abbreviated commit hash, HEAD, or HEAD~1.
func (r *Repo) Snapshot(ref string) (Snapshot, error) {
	if ref == "" {
		return Snapshot{}, fmt.Errorf("source: empty Git ref; pass a branch, tag or commit hash")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	hash, err := r.repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: resolve %q in %s: %w; pass a branch, tag or commit that exists there "+
			"(for a remote branch run git fetch first; in CI make sure the checkout is not shallow, e.g. fetch-depth: 0)", ref, r.dir, err)
	}
	c, err := r.repo.CommitObject(*hash)
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: read commit %s (%q) in %s: %w; the clone may be shallow, fetch the full history", hash, ref, r.dir, err)
	}
	return commitSnapshot(c, &r.mu)
}

// Local returns the config repo in dir as the CLI reads it: the working
// directory as it is (uncommitted files included) when ref is "", otherwise
// commit ref of the Git repository that contains dir.
func Local(dir, ref string) (Snapshot, error) {
	if ref == "" {
		return Worktree(dir)
	}
	r, err := OpenRepo(dir)
	if err != nil {
		return Snapshot{}, err
	}
	return r.Snapshot(ref)
}
