package reconciler

import (
	"context"
	"fmt"
	"time"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// databaseRemoved weighs a tenant database dropped by hand: critical on its own.
const databaseRemoved = 20

// detect inspects a tenant whose live fingerprint differs from its
// baseline's, scores the differences and plans their repair. It changes
// nothing: recordDetection records what it found. fp is the live
// fingerprint; exists is false when the database is gone.
func (r *Reconciler) detect(ctx context.Context, td TenantDrift, s *server, t *spec.Tenant, b landlord.Baseline, fp string, exists bool) TenantDrift {
	td.inspected, td.baseline, td.fingerprint = true, b, fp
	if !exists {
		td.State, td.Score, td.Severity = DriftFound, databaseRemoved, drift.SeverityOf(databaseRemoved)
		td.Differences = []drift.Difference{{Object: "database", Change: drift.Removed, Name: t.Database, Weight: databaseRemoved}}
		td.Note = "the database is gone: strata apply provisions it again"
		return td
	}
	base, err := r.baselineSchema(ctx, t, b)
	if err != nil {
		return driftFailed(td, err)
	}
	p, err := r.planner(ctx, s)
	if err != nil {
		return driftFailed(td, err)
	}
	live, err := p.Inspect(ctx, t.Database)
	if err != nil {
		return driftFailed(td, err)
	}
	if live == nil { // dropped between the pass and the inspect
		return r.detect(ctx, td, s, t, b, fp, false)
	}
	drv, err := r.composer.Driver(ctx)
	if err != nil {
		return driftFailed(td, err)
	}
	rep, err := drift.Compare(base, live, drift.WithDiffer(drv))
	if err != nil {
		return driftFailed(td, err)
	}
	if rep.Drifted() {
		// What strata itself ran since the snapshot is not drift (drift_own.go).
		own, err := r.store.OwnSince(ctx, t.Name, b.SnapshotID)
		if err != nil {
			return driftFailed(td, err)
		}
		if adjusted := withOwn(base, live, rep.Differences, parseObjects(own)); adjusted != base {
			base = adjusted
			if rep, err = drift.Compare(base, live, drift.WithDiffer(drv)); err != nil {
				return driftFailed(td, err)
			}
			if !rep.Drifted() {
				td.Note = "the live schema differs from the snapshot only by statements strata applied since"
				return td
			}
		}
	}
	if !rep.Drifted() {
		td.Note = "the fingerprint differs from the snapshot's but Atlas finds no difference to plan"
		return td
	}
	td.State, td.Score, td.Severity, td.Differences = DriftFound, rep.Score, rep.Severity, rep.Differences
	repair := p.Plan(ctx, t, &layers.Desired{Hash: "snapshot:" + b.Hash, Schema: base, Fingerprint: b.Fingerprint})
	if repair.Error != "" {
		return driftFailed(td, fmt.Errorf("plan repair: %w", planError(repair)))
	}
	td.Repair, td.Unmanaged = repair.Statements, repair.Unmanaged
	return td
}

// baselineSchema returns the schema of t's baseline snapshot: the desired
// composition when their fingerprints match (the usual case: the tenant was
// applied at the current spec), else the snapshot's DDL composed in a
// scratch database (cached by snapshot hash, so tenants with the same
// snapshot share one composition).
func (r *Reconciler) baselineSchema(ctx context.Context, t *spec.Tenant, b landlord.Baseline) (*schema.Schema, error) {
	if d, err := r.composer.Compose(ctx, t); err == nil && b.Fingerprint != "" && d.Fingerprint == b.Fingerprint {
		return d.Schema, nil
	}
	ddl, err := r.store.SnapshotDDL(ctx, b.SnapshotID)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	l, err := snapshotLayer(b, ddl)
	if err != nil {
		return nil, fmt.Errorf("reconciler: snapshot of %s: %w", t.Name, err)
	}
	d, err := r.composer.ComposeLayers(ctx, []*spec.Layer{l})
	if err != nil {
		return nil, fmt.Errorf("reconciler: compose the snapshot of %s: %w", t.Name, err)
	}
	return d.Schema, nil
}

// snapshotLayer turns a snapshot's DDL (SHOW CREATE TABLE of every table, by
// name) into a layer. Tables come by name, not in foreign-key order, hence
// foreign_key_checks off.
func snapshotLayer(b landlord.Baseline, ddl string) (*spec.Layer, error) {
	tables, err := spec.SplitSQL([]byte(ddl))
	if err != nil {
		return nil, err
	}
	stmts := append([]spec.Statement{{SQL: "SET foreign_key_checks = 0", Line: 1}}, tables...)
	return &spec.Layer{Kind: spec.LayerCustom, Name: "snapshot", Files: []*spec.File{{
		Path: "landlord/snapshots/" + b.Hash + ".sql", Content: []byte(ddl), Hash: b.Hash, Statements: stmts,
	}}}, nil
}

// recordDetection records td (found by detect) in the landlord, with the
// live schema, unless the tenant's open detection already has this live
// fingerprint and score (the users' differences change the score, not the
// fingerprint).
func (r *Reconciler) recordDetection(ctx context.Context, td TenantDrift, s *server, t *spec.Tenant) TenantDrift {
	b, fp := td.baseline, td.fingerprint
	if open, err := r.store.OpenDetection(ctx, t.Name); err == nil && open.LiveFingerprint == fp && open.Score == td.Score {
		td.DetectionID = open.ID
		return td
	} else if err != nil && !landlord.IsNotFound(err) {
		return driftFailed(td, err)
	}
	d := landlord.Detection{
		Tenant: t.Name, Severity: string(td.Severity), Score: td.Score,
		LiveFingerprint: fp, BaselineFingerprint: b.Fingerprint,
	}
	if fp != "" {
		sn, err := snapshot.Take(ctx, s.db, t.Database)
		if err != nil {
			return driftFailed(td, fmt.Errorf("reconciler: %w", err))
		}
		d.DDL = sn.DDL
	}
	for _, diff := range td.Differences {
		d.Differences = append(d.Differences, landlord.DriftDifference{Change: string(diff.Change), Object: objectName(diff), Detail: diff.Detail})
	}
	id, err := r.store.RecordDrift(ctx, d)
	if err != nil {
		return driftFailed(td, err)
	}
	td.DetectionID, td.Recorded = id, true
	r.log.Warn("drift detected", "tenant", t.Name, "severity", td.Severity, "differences", len(td.Differences))
	return td
}

// objectName reads like "column members.fax".
func objectName(d drift.Difference) string {
	name := d.Name
	if d.Table != "" && d.Name != "" {
		name = d.Table + "." + d.Name
	} else if d.Table != "" {
		name = d.Table
	}
	return string(d.Object) + " " + name
}

func driftFailed(td TenantDrift, err error) TenantDrift {
	td.State, td.Error, td.err = DriftFailed, err.Error(), err
	return td
}

func (d *DriftResult) summarize(took time.Duration) {
	s := DriftSummary{Tenants: len(d.Tenants), BySeverity: map[drift.Severity]int{}, Duration: took}
	for _, t := range d.Tenants {
		switch t.State {
		case DriftFound:
			s.Drifted++
			s.BySeverity[t.Severity]++
		case DriftUnknown:
			s.Unknown++
		case DriftSkipped:
			s.Skipped++
		case DriftFailed:
			s.Failed++
		}
		if t.inspected {
			s.Inspected++
		}
	}
	d.Summary = s
}
