package reconciler

import (
	"context"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/seed"
	"github.com/stratadb/strata/spec"
)

// seedStep runs, in layer order, every seed file the tenant has not run yet,
// each in one transaction as the migrator together with its marker in the
// tenant database (seed.Run), then records it in the landlord. A seed whose
// marker exists but that the landlord never heard of (strata died or the
// landlord failed between the two) is recorded, not rerun. A seed file that
// changed after it ran is reported, never rerun.
func seedStep(ctx context.Context, j *job) error {
	done, err := j.r.store.SeedRuns(ctx, j.t.Name)
	if err != nil {
		return err
	}
	var marks map[string]seed.Marker // read once, when a seed is not in the landlord
	for _, l := range j.t.Layers {
		for _, f := range l.Seeds {
			prev, recorded := done[f.Path]
			if !recorded {
				if marks == nil {
					if marks, err = seed.Markers(ctx, j.migrator); err != nil {
						return err
					}
					// None yet: the table may be missing (a seed to run needs it).
					if len(marks) == 0 {
						if err := seed.EnsureTable(ctx, j.migrator); err != nil {
							return err
						}
					}
				}
				ran, marked := marks[f.Path]
				if !marked {
					if err := j.runSeed(ctx, l, f); err != nil {
						return err
					}
					continue
				}
				j.log.Warn("seed ran before strata could record it; recorded, not rerun", "path", f.Path)
				j.recordSeed(ran, nil)
				prev.Checksum = ran.Checksum
			}
			if prev.Checksum != f.Hash {
				j.res.SeedsChanged = append(j.res.SeedsChanged, f.Path)
				j.log.Warn("seed file changed after it ran; not rerun", "path", f.Path)
			}
		}
	}
	return nil
}

// runSeed runs seed file f of layer l and records it.
func (j *job) runSeed(ctx context.Context, l *spec.Layer, f *spec.File) error {
	stmts, err := seed.Render(f, j.t)
	if err != nil {
		return Stalled(err) // a template error repeats until the seed file changes
	}
	if err := j.openRun(ctx); err != nil {
		return err
	}
	m := seed.Marker{Path: f.Path, Layer: l.ID(), Checksum: f.Hash, Statements: len(stmts)}
	if err := seed.Run(ctx, j.migrator, m, stmts); err != nil {
		return err
	}
	j.res.Seeds = append(j.res.Seeds, f.Path)
	j.recordSeed(m, SeedRun{Tenant: j.t.Name, Path: f.Path})
	return nil
}

// recordSeed queues the landlord's record of a seed whose marker is
// committed (records.go: if strata dies first, the marker makes the next
// run record it, not rerun it), announced by ev when written.
func (j *job) recordSeed(m seed.Marker, ev Event) {
	j.openRunLater()
	j.later(func(ctx context.Context, s *landlord.Store) error {
		return s.RecordSeed(ctx, landlord.SeedRun{
			Tenant: j.t.Name, Path: m.Path, Layer: m.Layer, Checksum: m.Checksum, Statements: m.Statements, RunID: j.res.RunID,
		})
	}, ev)
}
