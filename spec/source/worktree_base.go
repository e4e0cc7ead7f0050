package source

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
)

// WorktreeBase returns the commit a working tree is based on (HEAD of the
// Git repository that holds dir) and whether any file under dir differs
// from it (modified, added, deleted or untracked): a working-tree apply
// records both, so its runs say what they applied. commit is "" when dir is
// in no Git repository or its HEAD has no commit yet.
func WorktreeBase(dir string) (commit string, dirty bool, err error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("source: open Git repository of %s: %w", dir, err)
	}
	head, err := r.Head()
	if err != nil {
		return "", false, nil // no commit yet: nothing to be based on
	}
	wt, err := r.Worktree()
	if err != nil {
		return "", false, fmt.Errorf("source: worktree of %s: %w", dir, err)
	}
	st, err := wt.Status()
	if err != nil {
		return "", false, fmt.Errorf("source: status of %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, fmt.Errorf("source: %w", err)
	}
	root, err := filepath.Abs(wt.Filesystem.Root())
	if err != nil {
		return "", false, fmt.Errorf("source: %w", err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return "", false, fmt.Errorf("source: %w", err)
	}
	prefix := filepath.ToSlash(rel) + "/"
	for path, s := range st {
		if (rel == "." || strings.HasPrefix(path, prefix)) && (s.Worktree != git.Unmodified || s.Staging != git.Unmodified) {
			return head.Hash().String(), true, nil
		}
	}
	return head.Hash().String(), false, nil
}
