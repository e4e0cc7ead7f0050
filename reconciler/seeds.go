package reconciler

import (
	"context"
	"fmt"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/seed"
	"github.com/stratadb/strata/spec"
)

// seedStep runs, in layer order, every seed file the tenant has not run yet:
// each in one transaction as the migrator, then recorded with its checksum.
// A seed file that changed after it ran is reported, never rerun.
func seedStep(ctx context.Context, j *job) error {
	done, err := j.r.store.SeedRuns(ctx, j.t.Name)
	if err != nil {
		return err
	}
	for _, l := range j.t.Layers {
		for _, f := range l.Seeds {
			if prev, ok := done[f.Path]; ok {
				if prev.Checksum != f.Hash {
					j.res.SeedsChanged = append(j.res.SeedsChanged, f.Path)
					j.log.Warn("seed file changed after it ran; not rerun", "path", f.Path)
				}
				continue
			}
			stmts, err := seed.Render(f, j.t)
			if err != nil {
				return err
			}
			if err := j.openRun(ctx); err != nil {
				return err
			}
			if err := runSeed(ctx, j, f.Path, stmts); err != nil {
				return err
			}
			if err := j.r.store.RecordSeed(ctx, landlord.SeedRun{
				Tenant: j.t.Name, Path: f.Path, Layer: l.ID(), Checksum: f.Hash, Statements: len(stmts), RunID: j.res.RunID,
			}); err != nil {
				return err
			}
			j.res.Seeds = append(j.res.Seeds, f.Path)
		}
	}
	return nil
}

// runSeed runs one rendered seed file in a transaction as the migrator,
// whose session has backslash escapes on (migratorSQLMode), as seed.Quote's
// literals require.
func runSeed(ctx context.Context, j *job, path string, stmts []spec.Statement) error {
	tx, err := j.migrator.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s:%d: %w (the seed file was rolled back; fix it and apply again)", path, st.Line, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed %s: commit: %w", path, err)
	}
	return nil
}
