package reconciler

import (
	"context"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/seed"
	"github.com/stratadb/strata/spec"
)

// seedStep runs, in layer order, every seed file the tenant has not run yet,
// all in one transaction as the migrator together with their markers in the
// tenant database (seed.Run), then records them in the landlord. A seed whose
// marker exists but that the landlord never heard of (strata died or the
// landlord failed between the two) is recorded, not rerun. A seed file that
// changed after it ran is reported, never rerun.
func seedStep(ctx context.Context, j *job) error {
	done, err := j.seedRuns(ctx)
	if err != nil {
		return err
	}
	var marks map[string]seed.Marker // read once, when a seed is not in the landlord
	var todo []pendingSeed
	for _, l := range j.t.Layers {
		for _, f := range l.Seeds {
			prev, recorded := done[f.Path]
			if !recorded {
				if marks == nil {
					// A database this run created has no markers to read.
					if j.res.Provisioned {
						marks = map[string]seed.Marker{}
					} else if marks, err = seed.Markers(ctx, j.migrator); err != nil {
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
					todo = append(todo, pendingSeed{l, f})
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
	return j.runSeeds(ctx, todo)
}

// pendingSeed is a seed file of layer l that has not run on the tenant.
type pendingSeed struct {
	l *spec.Layer
	f *spec.File
}

// seedRuns returns the seed files the landlord shows ran on the tenant: the
// pass's read while the pass still describes the tenant (strata records
// seeds only in its runs), else the landlord's answer now.
func (j *job) seedRuns(ctx context.Context) (map[string]landlord.SeedRun, error) {
	if p := j.current(ctx); p != nil && p.seeds != nil {
		return p.seeds[j.t.Name], nil
	}
	return j.r.store.SeedRuns(ctx, j.t.Name)
}

// runSeeds runs the pending seed files, in layer order, in one transaction
// with their markers (seed.Run), and records them.
func (j *job) runSeeds(ctx context.Context, todo []pendingSeed) error {
	if len(todo) == 0 {
		return nil
	}
	files := make([]seed.File, len(todo))
	for i, p := range todo {
		stmts, err := seed.Render(p.f, j.t)
		if err != nil {
			return Stalled(err) // a template error repeats until the seed file changes
		}
		files[i] = seed.File{Marker: seed.Marker{Path: p.f.Path, Layer: p.l.ID(), Checksum: p.f.Hash, Statements: len(stmts)}, Rendered: stmts}
	}
	// The run goes on record before the seeds' data. What else waits (the
	// last statement's outcome among them) can wait on: should strata die
	// during the seeds, that statement is closed as interrupted, which says
	// no more than is true (records.go).
	if j.res.RunID == 0 {
		if err := j.openRun(ctx); err != nil {
			return err
		}
	}
	if err := seed.Run(ctx, j.migrator, files); err != nil {
		return err
	}
	for _, f := range files {
		j.res.Seeds = append(j.res.Seeds, f.Path)
		j.recordSeed(f.Marker, SeedRun{Tenant: j.t.Name, Path: f.Path})
	}
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
