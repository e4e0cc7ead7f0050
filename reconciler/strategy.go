package reconciler

import (
	"context"
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// Notes on statements a drift strategy does not run.
const (
	withheldConservative = " [withheld: drift strategy conservative repairs additive differences only]"
	withheldReport       = " [withheld: drift strategy report does not repair drift]"
)

// driftStrategy handles a tenant that drifted since its last apply (its live
// fingerprint differs from its last snapshot's) before anything runs: the
// drift is recorded, then
//   - report (the default) repairs nothing: statements that would undo the
//     hand changes (those of the live -> snapshot plan) are withheld, spec
//     changes still run, no new snapshot is taken (it would hide the
//     drift), and the tenant stays drifted (outcome drifted);
//   - conservative runs only additive statements, the others are withheld;
//   - strict runs the plan as approvals allow, like a tenant without drift.
//
// Unmanaged tables are never dropped by any strategy without approval: the
// planner already keeps them out of the plan.
func (j *job) driftStrategy(ctx context.Context) error {
	b, ok := j.live.baselines[j.t.Name]
	fp, exists := j.live.fingerprint(j.t)
	if !ok || !exists || b.Fingerprint == "" || fp == b.Fingerprint {
		return nil
	}
	// A failed or running apply leaves strata's own partial work: not drift.
	if j.rec.Status != landlord.StatusActive && j.rec.Status != landlord.StatusDrifted {
		return nil
	}
	td := j.r.detect(ctx, TenantDrift{Name: j.t.Name, Database: j.t.Database, Server: j.t.Server, Severity: drift.None}, j.t, b, fp, true)
	if td.State == DriftFailed {
		return fmt.Errorf("drift check: %s", td.Error)
	}
	if td.State != DriftFound {
		return nil
	}
	j.drifted = true
	switch j.t.Drift {
	case spec.DriftStrict:
		return nil
	case spec.DriftConservative:
		j.conservative = true
		j.withhold(withheldConservative)
	default: // report
		j.repairs = map[string]bool{}
		for _, st := range td.Repair {
			j.repairs[st.SQL] = true
		}
		j.withhold(withheldReport)
		j.res.Error = fmt.Sprintf("drifted since the last apply (severity %s, %d differences); drift strategy report repairs nothing: run strata drift --tenant %s, then repair by hand or set drift.strategy to conservative or strict", td.Severity, len(td.Differences), j.t.Name)
	}
	return nil
}

// withhold blocks the plan's statements the strategy keeps from running.
func (j *job) withhold(note string) {
	for i := range j.plan.Statements {
		if st := &j.plan.Statements[i]; !st.Blocked && j.withheld(*st) {
			st.Blocked, st.Comment = true, st.Comment+note
		}
	}
	if j.plan.Action == planner.ActionChange && j.plan.Blocked() {
		j.plan.Action = planner.ActionBlocked
	}
}

// withheld reports whether the tenant's drift strategy keeps st from running.
func (j *job) withheld(st planner.Statement) bool {
	return (j.conservative && st.Kind != planner.Additive) || j.repairs[st.SQL]
}

// reportOnly reports whether the tenant drifted under strategy report.
func (j *job) reportOnly() bool { return j.repairs != nil }
