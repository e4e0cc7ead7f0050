package source

// This test imports spec to prove the two meet; package source itself never
// does (spec must stay free of Git), and a test import creates no cycle.

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/spec"
)

// TestSpecLoadReadsCommit loads the example fleet from a commit and from the
// directory it was committed from: both must give the same Fleet.
func TestSpecLoadReadsCommit(t *testing.T) {
	examples, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	require.NoError(t, err)
	f := newFixture(t)
	files := map[string]string{}
	err = filepath.WalkDir(examples, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(examples, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	require.NoError(t, err)
	require.Contains(t, files, "strata.yaml")
	f.write(files)
	f.commit("Example fleet (#1)")

	env := spec.WithLookupEnv(func(string) (string, bool) { return "root:@tcp(127.0.0.1:3306)/", true })
	want, err := spec.LoadDir(examples, env)
	require.NoError(t, err)
	require.NotEmpty(t, want.Tenants)

	snap, err := mustRepo(t, f.dir).Snapshot("main")
	require.NoError(t, err)
	assert.Equal(t, 1, snap.PR)
	got, err := spec.Load(snap.FS, env)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}
