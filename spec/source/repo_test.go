package source

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepoSnapshotResolvesRefs(t *testing.T) {
	f, h := newHistory(t)
	// A remote-tracking branch, as a CI checkout has for the base.
	require.NoError(t, f.repo.Storer.SetReference(plumbing.NewHashReference("refs/remotes/origin/main", h.second)))

	tests := []struct {
		ref    string
		want   plumbing.Hash
		wantPR int
	}{
		{"main", h.merge, 42},
		{"HEAD", h.merge, 42},
		{"refs/heads/main", h.merge, 42},
		{"HEAD~1", h.second, 41},
		{"HEAD^2", h.pr, 0},
		{"pr-1", h.pr, 0},
		{"v1", h.base, 0},
		{"v2", h.second, 41}, // annotated: peeled to its commit
		{"origin/main", h.second, 41},
		{h.base.String(), h.base, 0},
		{h.pr.String()[:8], h.pr, 0},
	}
	r := mustRepo(t, f.dir)
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			snap, err := r.Snapshot(tt.ref)
			require.NoError(t, err)
			assert.Equal(t, tt.want.String(), snap.Commit)
			assert.Equal(t, tt.wantPR, snap.PR)
			assert.Equal(t, tt.want.String()[:12], snap.Short())
		})
	}

	// The merge has the PR's tenant, the base does not.
	merged, err := r.Snapshot("main")
	require.NoError(t, err)
	assert.Equal(t, "Merge pull request #42 from org/pr-1\n\nAdd tenant beta\n", merged.Message)
	_, err = fs.Stat(merged.FS, "tenants/beta/tenant.yaml")
	assert.NoError(t, err)
	base, err := r.Snapshot("v1")
	require.NoError(t, err)
	_, err = fs.Stat(base.FS, "tenants/beta/tenant.yaml")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestRepoSnapshotErrors(t *testing.T) {
	f, _ := newHistory(t)
	r := mustRepo(t, f.dir)
	tests := []struct {
		ref  string
		want []string
	}{
		{"", []string{"empty Git ref"}},
		{"no-such-branch", []string{`"no-such-branch"`, f.dir, "pass a branch, tag or commit that exists"}},
		{"origin/feature", []string{`"origin/feature"`, "git fetch"}},
		{"0123456789abcdef0123456789abcdef01234567", []string{"0123456789abcdef", "fetch-depth: 0"}},
		{"main~99", []string{`"main~99"`}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			_, err := r.Snapshot(tt.ref)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), "source: ")
		})
	}
}

func TestOpenRepo(t *testing.T) {
	f, h := newHistory(t)

	// From a subdirectory, like git.
	r, err := OpenRepo(filepath.Join(f.dir, "tenants", "acme"))
	require.NoError(t, err)
	snap, err := r.Snapshot("HEAD")
	require.NoError(t, err)
	assert.Equal(t, h.merge.String(), snap.Commit)

	plain := t.TempDir()
	_, err = OpenRepo(plain)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not inside a Git repository")
	assert.Contains(t, err.Error(), plain)
}

func TestWorktree(t *testing.T) {
	f, _ := newHistory(t)
	// Uncommitted work is what a developer plans.
	f.write(map[string]string{"tenants/acme/tenant.yaml": "template: school\n"})

	snap, err := Worktree(f.dir)
	require.NoError(t, err)
	assert.Equal(t, "", snap.Commit)
	assert.Equal(t, "worktree", snap.Short())
	got, err := fs.ReadFile(snap.FS, "tenants/acme/tenant.yaml")
	require.NoError(t, err)
	assert.Equal(t, "template: school\n", string(got))

	_, err = Worktree(filepath.Join(f.dir, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	file := filepath.Join(f.dir, "strata.yaml")
	_, err = Worktree(file)
	assert.ErrorContains(t, err, "is not a directory")
	_, err = os.Stat(file)
	require.NoError(t, err)
}

func TestLocal(t *testing.T) {
	f, h := newHistory(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n# edited\n"})
	tests := []struct {
		ref, wantCommit, wantConfig string
	}{
		{"", "", "kind: Config\n# edited\n"},
		{"main", h.merge.String(), "kind: Config\n"},
		{"v1", h.base.String(), "kind: Config\n"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			snap, err := Local(f.dir, tt.ref)
			require.NoError(t, err)
			assert.Equal(t, tt.wantCommit, snap.Commit)
			got, err := fs.ReadFile(snap.FS, "strata.yaml")
			require.NoError(t, err)
			assert.Equal(t, tt.wantConfig, string(got))
		})
	}
	_, err := Local(t.TempDir(), "main")
	assert.ErrorContains(t, err, "not inside a Git repository")
}
