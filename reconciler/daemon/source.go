package daemon

import (
	"context"

	"github.com/stratadb/strata/spec/source"
)

// Source yields the config repo's newest state. *source.Remote is one;
// DirSource serves `strata run --watch` on a working directory.
type Source interface {
	Sync(ctx context.Context) (source.Snapshot, error)
}

// DirSource reads a plain directory (uncommitted files included). Its
// snapshots carry no commit, so the daemon compares resolved tenants to
// tell whether anything changed.
type DirSource string

// Sync returns the directory's current contents.
func (d DirSource) Sync(ctx context.Context) (source.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return source.Snapshot{}, err
	}
	return source.Worktree(string(d))
}

var (
	_ Source = DirSource("")
	_ Source = (*source.Remote)(nil)
)
