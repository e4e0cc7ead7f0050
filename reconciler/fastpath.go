package reconciler

import (
	"context"
	"fmt"
	"sync"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// The apply fast path: a tenant is planned, verified and snapshotted
// without an Atlas inspect or SHOW CREATE TABLE when its live schema is
// known. Measured at N=200 on 2 cores, an inspect + diff cost ~13 ms per
// tenant, the verifying re-inspect ~13 ms and the SHOW CREATE TABLE
// snapshot ~6 ms, around an ALTER TABLE of ~9 ms.
//
//   - Plan (cachedPlan, in front of the full diff in planTenant): a
//     database this run created, or that plan finds missing, is empty, so
//     its plan is the one from nothing to the desired composition,
//     computed once. A tenant whose
//     live fingerprint (the bulk pass) equals its last snapshot's is at that
//     snapshot (layers/fingerprint is exact for everything Atlas plans), so
//     its plan is the diff from the snapshot's composition (made once per
//     snapshot, shared by every tenant at it) to the desired one, computed
//     once per pair. Only additive plans take this path: one computed from a
//     state that was stale after all can then only fail loudly (duplicate
//     column), never drop or narrow anything.
//   - Verify: the schema's definitions under the tenant's lock (SHOW CREATE),
//     equal to the desired composition's, else one single-schema fingerprint
//     equal to its fingerprint; on a mismatch the full Atlas plan runs to
//     name what differs.
//   - Snapshot: the desired composition's own (layers.Desired.Snapshot) when
//     the live fingerprint equals it.
//
// The bulk pass runs before the tenant's lock is taken. Every change strata
// makes is inside a run recorded before it (openRun), so the pass still
// describes the tenant when its newest run under the lock is the one read
// before the pass, and that run was not running then (freshSincePass).
// Changes made by hand meanwhile are not covered by that check: the drift
// strategy reads its fingerprint and baseline under the lock (driftBasis)
// on the full path, and a plan made here that does not reach the desired
// schema is checked for drift then (verifyStep, lateDrift). A wrong
// snapshot cannot make a tenant converged: its composition must reproduce
// its fingerprint (baseComposition), and the verified live schema must
// equal the desired composition's (TestWrongSnapshotNeverConverges,
// TestCachedPlanFindsLateDrift).

// fastPath holds the compositions and plans the fast path shares between
// tenants. It is safe for concurrent use.
type fastPath struct {
	mu    sync.Mutex
	bases map[string]*layers.Desired // baseKey -> the snapshot's composition; nil: unusable
	plans map[string]*planner.TenantPlan
}

func baseKey(b landlord.Baseline) string { return b.Hash + "/" + b.Fingerprint }

// sharedPlan returns the plan from the schema from returns (named by
// fromKey) to desired, made once per server and pair; nil when the fast path does not
// apply: from is nil (a snapshot's composition that does not reproduce its
// fingerprint), or desired declares an AUTO_INCREMENT start for a table from
// already has (see declaresCounter), or the plan is not additive only, or it
// meets tables no layer declares, which approvals may drop.
func (r *Reconciler) sharedPlan(ctx context.Context, s *server, fromKey string, from func(context.Context) (*layers.Desired, error), desired *layers.Desired) *planner.TenantPlan {
	// Per server: each server's planner plans for its own version and defaults.
	key := s.name + "/" + fromKey + "->" + desired.Hash
	r.fast.mu.Lock()
	tp, done := r.fast.plans[key]
	r.fast.mu.Unlock()
	if done {
		return tp
	}
	base, err := from(ctx)
	if err != nil {
		r.log.Warn("cannot compose a snapshot for the fast path; planning in full", "from", fromKey, "err", err)
		return nil
	}
	if base != nil && !declaresCounter(base.Schema, desired.Schema) {
		p, err := r.planner(ctx, s)
		if err != nil {
			return nil
		}
		// A tenant without approvals: only additive plans are used, and
		// approvals change nothing in those.
		plan := p.PlanBetween(ctx, &spec.Tenant{}, &layers.Desired{Schema: planner.CopySchema(base.Schema, ""), Snapshot: base.Snapshot}, desired)
		if plan.Action == planner.ActionFailed {
			return nil // not cached: the full path reports it
		}
		if additiveOnly(plan) {
			tp = &plan
		}
	}
	r.fast.mu.Lock()
	r.fast.plans[key] = tp
	r.fast.mu.Unlock()
	return tp
}

// declaresCounter reports whether desired declares an AUTO_INCREMENT start
// for a table that base already has. Snapshots strip counters, so a plan
// from base would set the declared start on that table's next ALTER even
// when the live counter is higher, and ids would be reused; only the full
// path, which diffs the live counter, knows whether the start must be raised.
func declaresCounter(base, desired *schema.Schema) bool {
	for _, t := range desired.Tables {
		for _, a := range t.Attrs {
			if ai, ok := a.(*mysql.AutoIncrement); ok && ai.V > 1 {
				if _, ok := base.Table(t.Name); ok {
					return true
				}
			}
		}
	}
	return false
}

func additiveOnly(tp planner.TenantPlan) bool {
	if len(tp.Unmanaged) > 0 || len(tp.Statements) == 0 {
		return false
	}
	for _, st := range tp.Statements {
		if st.Kind != planner.Additive || st.Blocked {
			return false
		}
	}
	return true
}

// baseComposition returns the composition of snapshot b's DDL, made once
// per snapshot hash, or nil when its fingerprint is not b's (then it does
// not stand for the tenants at b).
func (r *Reconciler) baseComposition(ctx context.Context, b landlord.Baseline) (*layers.Desired, error) {
	key := baseKey(b)
	r.fast.mu.Lock()
	d, done := r.fast.bases[key]
	r.fast.mu.Unlock()
	if done {
		return d, nil
	}
	ddl, err := r.store.SnapshotDDL(ctx, b.SnapshotID)
	if err != nil {
		return nil, err
	}
	l, err := snapshotLayer(b, ddl)
	if err != nil {
		return nil, err
	}
	d, err = r.composer.ComposeLayers(ctx, []*spec.Layer{l})
	if err != nil {
		return nil, err
	}
	if d.Fingerprint != b.Fingerprint {
		d = nil
	}
	r.fast.mu.Lock()
	r.fast.bases[key] = d
	r.fast.mu.Unlock()
	return d, nil
}

// verifyLive reports whether j's live schema, read under the lock,
// is the desired composition, and sets j.liveFP. It compares the schema's
// definitions first (SHOW CREATE: a quarter of the server's work of a
// fingerprint); when they differ, or cannot be read, the fingerprint
// decides, so a difference only costs the slower read, and j.liveFP is
// always the live fingerprint (equal definitions mean equal fingerprints:
// TestConformance checks it for each of its cases).
func (j *job) verifyLive(ctx context.Context) bool {
	if same, err := j.desired.Definitions.Matches(ctx, j.srv.multi, j.t.Database, j.srv.printingDefaults(ctx)); same {
		j.liveFP = j.desired.Fingerprint
		return true
	} else if err != nil {
		j.log.Debug("definitions after apply not read; verifying by fingerprint", "err", err)
	}
	fp, err := fingerprint.Schema(ctx, j.srv.db, j.t.Database)
	if err != nil {
		j.log.Warn("fingerprint after apply failed; verifying with a full plan", "err", err)
		return false
	}
	j.liveFP = fp
	return fp == j.desired.Fingerprint
}

// snapshotNow returns j's live schema and fingerprint for its snapshot: the
// desired composition's when the live fingerprint read under the lock (or a
// bulk pass still current) equals it, else read from the database.
func (j *job) snapshotNow(ctx context.Context) (*snapshot.Schema, string, error) {
	d := j.desired
	switch {
	case d.Snapshot != nil && j.liveFP == d.Fingerprint:
		return d.Snapshot, d.Fingerprint, nil
	case d.Snapshot != nil && j.plan.fast && j.freshSincePass(ctx):
		return d.Snapshot, d.Fingerprint, nil
	}
	s, err := snapshot.Take(ctx, j.srv.db, j.t.Database)
	if err != nil {
		return nil, "", fmt.Errorf("reconciler: %w", err)
	}
	fp := j.liveFP
	if fp == "" {
		// The fingerprint is the drift sweep's baseline (see drift.go).
		if fp, err = fingerprint.Schema(ctx, j.srv.db, j.t.Database); err != nil {
			return nil, "", fmt.Errorf("reconciler: %w", err)
		}
	}
	return s, fp, nil
}

// saveSnapshot records j's live schema as its new baseline. When nothing
// ran and the newest snapshot already holds this schema it records nothing:
// converging an in-sync fleet would otherwise store a copy of every
// tenant's DDL per apply.
func (j *job) saveSnapshot(ctx context.Context) (*snapshot.Schema, error) {
	s, fp, err := j.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	b, ok := j.pass.live.baselines[j.t.Name]
	if ok && !j.runOpened() && j.rec.Status == landlord.StatusActive && b.Hash == s.Hash && b.Fingerprint == fp && j.freshSincePass(ctx) {
		return s, nil
	}
	sn := landlord.Snapshot{
		Tenant: j.t.Name, Commit: j.r.opts.Commit,
		Hash: s.Hash, Tables: s.Tables, Indexes: s.Indexes, ForeignKeys: s.ForeignKeys, DDL: s.DDL,
		Fingerprint: fp,
	}
	// Written with the tenant's final record (records.go).
	j.later(func(ctx context.Context, st *landlord.Store) error {
		sn.RunID = j.res.RunID
		return st.SaveSnapshot(ctx, sn)
	}, nil)
	return s, nil
}
