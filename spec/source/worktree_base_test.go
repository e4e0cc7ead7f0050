package source

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLinkedWorktree: a config repo checked out as a linked worktree (`git
// worktree add`, whose objects live in the main repository's common dir)
// gives its base commit and dirtiness, and its commits can be read with
// --ref; go-git looked for objects in the worktree's own git dir and failed
// with "object not found".
func TestLinkedWorktree(t *testing.T) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is needed to make a linked worktree")
	}
	f := newFixture(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n"})
	head := f.commit("first")
	linked := filepath.Join(t.TempDir(), "linked")
	if out, err := exec.Command(gitBin, "-C", f.dir, "worktree", "add", "--detach", linked, head.String()).CombinedOutput(); err != nil {
		t.Fatalf("git worktree add: %v\n%s", err, out)
	}

	commit, dirty, err := WorktreeBase(linked)
	if err != nil || commit != head.String() || dirty {
		t.Fatalf("WorktreeBase(linked) = %q, %v, %v; want %s, clean", commit, dirty, err, head)
	}
	if err := os.WriteFile(filepath.Join(linked, "strata.yaml"), []byte("kind: Config # edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, dirty, err := WorktreeBase(linked); err != nil || !dirty {
		t.Errorf("after an edit: dirty %v, err %v; want dirty", dirty, err)
	}

	repo, err := OpenRepo(linked)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := repo.Snapshot("HEAD")
	if err != nil || snap.Commit != head.String() {
		t.Fatalf("Snapshot(HEAD) = %q, %v; want %s", snap.Commit, err, head)
	}
}
