package source

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// treeFiles are committed by the tree FS tests. "a.b" and "a/" sort
// differently in Git trees and in fs.ReadDir, which must sort by name.
var treeFiles = map[string]string{
	"strata.yaml":                    "kind: Config\nlandlord: strata\n",
	"a.b":                            "dot\n",
	"a/x.sql":                        "CREATE TABLE x (id INT);\n",
	"a-b/y.sql":                      "CREATE TABLE y (id INT);\n",
	"basic/001_users.sql":            "CREATE TABLE users (id INT PRIMARY KEY);\n",
	"modules/blog/module.yaml":       "requires: []\n",
	"modules/blog/seed/001_seed.sql": "INSERT INTO posts VALUES (1);\n",
	"tenants/acme/tenant.yaml":       "template: party\n",
}

func TestTreeFSPassesFSTest(t *testing.T) {
	f := newFixture(t)
	f.write(treeFiles)
	require.NoError(t, os.Chmod(filepath.Join(f.dir, "a.b"), 0o755))
	f.commit("tree")
	snap, err := mustRepo(t, f.dir).Snapshot("main")
	require.NoError(t, err)

	var want []string
	for name := range treeFiles {
		want = append(want, name)
	}
	require.NoError(t, fstest.TestFS(snap.FS, want...))

	// Every file reads back as written to disk, with the size and mode a
	// checkout has and the commit time.
	for name, body := range treeFiles {
		got, err := fs.ReadFile(snap.FS, name)
		require.NoError(t, err, name)
		assert.Equal(t, body, string(got), name)
		fi, err := fs.Stat(snap.FS, name)
		require.NoError(t, err, name)
		assert.Equal(t, int64(len(body)), fi.Size(), name)
		assert.Equal(t, filepath.Base(name), fi.Name())
		assert.True(t, fi.Mode().IsRegular(), name)
		assert.True(t, fi.ModTime().Equal(snap.Time), name)
	}
	fi, err := fs.Stat(snap.FS, "a.b")
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o755), fi.Mode(), "executable bit")

	entries, err := fs.ReadDir(snap.FS, ".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"a", "a-b", "a.b", "basic", "modules", "strata.yaml", "tenants"}, names)
}

func TestTreeFSErrors(t *testing.T) {
	f := newFixture(t)
	f.write(treeFiles)
	require.NoError(t, os.Symlink("001_users.sql", filepath.Join(f.dir, "basic", "link.sql")))
	f.commit("tree with a symlink")
	snap, err := mustRepo(t, f.dir).Snapshot("HEAD")
	require.NoError(t, err)

	tests := []struct {
		name string
		op   func(fsys fs.FS, name string) error
		path string
		want error
	}{
		{"open absolute", open, "/strata.yaml", fs.ErrInvalid},
		{"open dot-dot", open, "../strata.yaml", fs.ErrInvalid},
		{"open trailing slash", open, "basic/", fs.ErrInvalid},
		{"open empty", open, "", fs.ErrInvalid},
		{"open missing", open, "nope.yaml", fs.ErrNotExist},
		{"open missing in dir", open, "basic/999.sql", fs.ErrNotExist},
		{"open through a file", open, "strata.yaml/x", fs.ErrNotExist},
		{"open symlink", open, "basic/link.sql", ErrSymlink},
		{"readfile symlink", readFile, "basic/link.sql", ErrSymlink},
		{"readfile missing", readFile, "tenants/zeta/tenant.yaml", fs.ErrNotExist},
		{"readdir missing", readDir, "templates", fs.ErrNotExist},
		{"stat invalid", stat, "./strata.yaml", fs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(snap.FS, tt.path)
			require.ErrorIs(t, err, tt.want)
			var pe *fs.PathError
			require.True(t, errors.As(err, &pe), "a *fs.PathError naming the path")
			assert.Equal(t, tt.path, pe.Path)
		})
	}

	_, err = fs.ReadFile(snap.FS, "basic")
	assert.ErrorContains(t, err, "is a directory")
	_, err = fs.ReadDir(snap.FS, "strata.yaml")
	assert.ErrorContains(t, err, "not a directory")

	// The symlink is listed as one, so a loader can name it in its error.
	entries, err := fs.ReadDir(snap.FS, "basic")
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, "link.sql", entries[1].Name())
	assert.Equal(t, fs.ModeSymlink, entries[1].Type())
	info, err := entries[1].Info()
	require.NoError(t, err)
	assert.Equal(t, int64(len("001_users.sql")), info.Size(), "a link's size is its target's length, as lstat says")
}

func TestTreeFSReadDirPaging(t *testing.T) {
	f := newFixture(t)
	f.write(treeFiles)
	f.commit("tree")
	snap, err := mustRepo(t, f.dir).Snapshot("main")
	require.NoError(t, err)

	file, err := snap.FS.Open("a")
	require.NoError(t, err)
	defer file.Close()
	dir, ok := file.(fs.ReadDirFile)
	require.True(t, ok)
	_, err = file.Read(make([]byte, 1))
	assert.ErrorContains(t, err, "is a directory")
	first, err := dir.ReadDir(1)
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.Equal(t, "x.sql", first[0].Name())
	_, err = dir.ReadDir(1)
	assert.ErrorIs(t, err, io.EOF)
}

// TestTreeFSIsTheCommit shows a snapshot reads its own commit, not later ones.
func TestTreeFSIsTheCommit(t *testing.T) {
	f := newFixture(t)
	f.write(map[string]string{"basic/001.sql": "CREATE TABLE a (id INT);\n", "basic/002.sql": "CREATE TABLE b (id INT);\n"})
	first := f.commit("first")
	f.write(map[string]string{"basic/001.sql": "CREATE TABLE a (id BIGINT);\n", "basic/002.sql": ""})
	f.commit("second")
	r := mustRepo(t, f.dir)

	old, err := r.Snapshot(first.String())
	require.NoError(t, err)
	got, err := fs.ReadFile(old.FS, "basic/001.sql")
	require.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id INT);\n", string(got))
	_, err = fs.Stat(old.FS, "basic/002.sql")
	assert.NoError(t, err, "deleted later, present at the first commit")
	assert.Equal(t, time.Date(2024, 5, 1, 12, 1, 0, 0, time.UTC), old.Time.UTC())

	head, err := r.Snapshot("main")
	require.NoError(t, err)
	got, err = fs.ReadFile(head.FS, "basic/001.sql")
	require.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id BIGINT);\n", string(got))
	_, err = fs.Stat(head.FS, "basic/002.sql")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func open(fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err == nil {
		f.Close()
	}
	return err
}

func readFile(fsys fs.FS, name string) error { _, err := fs.ReadFile(fsys, name); return err }
func readDir(fsys fs.FS, name string) error  { _, err := fs.ReadDir(fsys, name); return err }
func stat(fsys fs.FS, name string) error     { _, err := fs.Stat(fsys, name); return err }

// mustRepo opens dir with OpenRepo.
func mustRepo(t *testing.T, dir string) *Repo {
	t.Helper()
	r, err := OpenRepo(dir)
	require.NoError(t, err)
	return r
}

// TestTreeFSConcurrentReads reads two snapshots of one repository (as a PR
// plan reads base and head) from several goroutines; go-git objects and
// storage are not safe for that, so run it with -race to check the locking.
func TestTreeFSConcurrentReads(t *testing.T) {
	f := newFixture(t)
	f.write(treeFiles)
	f.commit("tree")
	f.write(map[string]string{"basic/002_posts.sql": "CREATE TABLE posts (id INT);\n"})
	f.commit("head")
	r := mustRepo(t, f.dir)
	base, err := r.Snapshot("HEAD~1")
	require.NoError(t, err)
	head, err := r.Snapshot("HEAD")
	require.NoError(t, err)

	errs := make(chan error, 8)
	for i := range 8 {
		snap := base
		if i%2 == 1 {
			snap = head
		}
		go func() {
			errs <- fs.WalkDir(snap.FS, ".", func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				if _, err := d.Info(); err != nil {
					return err
				}
				data, err := fs.ReadFile(snap.FS, path)
				if want, ok := treeFiles[path]; err == nil && ok && string(data) != want {
					err = errors.New(path + ": wrong contents")
				}
				return err
			})
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
