package source

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRemoteSnapshotsConcurrentReads reads two snapshots while Sync fetches
// into the same cache; go-git storage is not safe for that, so the snapshots
// share the Remote's lock. Run with -race (it fails without the shared lock).
func TestRemoteSnapshotsConcurrentReads(t *testing.T) {
	bare := newBare(t)
	f := newFixture(t)
	f.write(treeFiles)
	f.commit("base")
	f.push(bare)
	r, err := NewRemote(RemoteOptions{URL: bare, CacheDir: filepath.Join(t.TempDir(), "cache")})
	require.NoError(t, err)
	base, err := r.Sync(context.Background())
	require.NoError(t, err)
	f.write(map[string]string{"basic/002_posts.sql": "CREATE TABLE posts (id INT);\n"})
	f.commit("head")
	f.push(bare)
	head, err := r.Sync(context.Background())
	require.NoError(t, err)

	// Readers of both snapshots run while later commits are fetched.
	stop := make(chan struct{})
	errs := make(chan error, 4)
	for i := range 4 {
		snap := base
		if i%2 == 1 {
			snap = head
		}
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				err := fs.WalkDir(snap.FS, ".", func(path string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					_, err = fs.ReadFile(snap.FS, path)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 5 {
		f.write(map[string]string{"basic/002_posts.sql": fmt.Sprintf("CREATE TABLE posts (id INT, c%d INT);\n", i)})
		f.commit(fmt.Sprintf("change %d", i))
		f.push(bare)
		_, err := r.Sync(context.Background())
		require.NoError(t, err)
	}
	close(stop)
	for range 4 {
		require.NoError(t, <-errs)
	}
}
