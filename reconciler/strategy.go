package reconciler

import (
	"context"
	"fmt"
	"strings"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/spec"
)

// Notes on statements a drift strategy does not run.
const (
	withheldConservative = " [withheld: it touches drifted objects and drift strategy conservative repairs additive differences only]"
	withheldReport       = " [withheld: it touches drifted objects and drift strategy report does not repair drift]"
)

// driftStrategy handles a tenant that drifted since its last apply (its live
// fingerprint differs from its last snapshot's) before anything runs: the
// drift is recorded, then
//   - report (the default) repairs nothing: every statement that touches a
//     table, column, index, key or check the drift names is withheld (Atlas
//     merges a spec change and a repair of the same table into one ALTER,
//     so withholding repairs by their text would let them run), other spec
//     changes still run, no new snapshot is taken (it would hide the
//     drift), and the tenant stays drifted (outcome drifted);
//   - conservative runs, of the statements that touch drifted objects, only
//     the additive ones;
//   - strict runs the plan as approvals allow, like a tenant without drift.
//
// Objects that strata's own statements since the snapshot changed are not
// drift (drift_own.go): those applied, and those a killed strata was
// running. The rest of the difference is drift, whatever strata's runs
// since ended in. Unmanaged tables are never dropped by any
// strategy without approval: the planner already keeps them out of the plan.
func (j *job) driftStrategy(ctx context.Context) error {
	b, ok := j.live.baselines[j.t.Name]
	fp, exists := j.live.fingerprint(j.t)
	if !ok || !exists || b.Fingerprint == "" || fp == b.Fingerprint {
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
		j.conservative, j.repairs = true, driftedObjects(td.Differences)
		j.withhold(withheldConservative)
	default: // report
		j.repairs = driftedObjects(td.Differences)
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

// withheld reports whether the tenant's drift strategy keeps st from
// running: it touches a drifted object, and the strategy is report, or
// conservative and st is not additive.
func (j *job) withheld(st planner.Statement) bool {
	if j.repairs == nil || !touches(j.repairs, st.SQL) {
		return false
	}
	return !j.conservative || st.Kind != planner.Additive
}

// strategyNote says why the tenant's drift strategy withholds a statement,
// and what to do, for the statement's landlord record.
func (j *job) strategyNote() string {
	strategy := j.t.Drift
	if j.conservative {
		strategy = spec.DriftConservative
	} else if strategy == "" {
		strategy = spec.DriftReport
	}
	return fmt.Sprintf("drift strategy %s: it touches objects changed by hand since the last apply; see strata drift --tenant %s", strategy, j.t.Name)
}

// reportOnly reports whether the tenant drifted under strategy report.
func (j *job) reportOnly() bool { return j.repairs != nil && !j.conservative }

// Keys of driftedObjects: "table\x00" for a whole table, "table\x00name" for
// a column, index, foreign key or check of it, allObjects for the schema.
const allObjects = "*"

// driftedObjects returns the objects differences name, as keys for touches.
// A difference that is not one named object of a table (a table added or
// removed, a primary key, table options, a rename) stands for its whole
// table; one without a table (schema options) for every statement.
func driftedObjects(diffs []drift.Difference) map[string]bool {
	out := map[string]bool{}
	for _, d := range diffs {
		switch {
		case d.Table == "":
			out[allObjects] = true
		case d.Name != "" && d.Change != drift.Renamed &&
			(d.Object == drift.Column || d.Object == drift.Index || d.Object == drift.ForeignKey || d.Object == drift.Check):
			out[d.Table+"\x00"+d.Name] = true
		default:
			out[d.Table+"\x00"] = true
		}
	}
	return out
}

// touches reports whether statement q (as Atlas writes it: every name
// backquoted) names a drifted object: a drifted table, or a drifted
// column, index, key or check together with its table.
func touches(objects map[string]bool, q string) bool {
	if objects[allObjects] {
		return true
	}
	names := backquoted(q)
	for key := range objects {
		table, name, _ := strings.Cut(key, "\x00")
		if names[table] && (name == "" || names[name]) {
			return true
		}
	}
	return false
}

// backquoted returns the backquoted identifiers of q, outside string literals.
func backquoted(q string) map[string]bool {
	out := map[string]bool{}
	for _, n := range backquotedList(q) {
		out[n] = true
	}
	return out
}

// backquotedList returns the backquoted identifiers of q in order, outside
// string literals.
func backquotedList(q string) []string {
	var out []string
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '\'', '"':
			for i++; i < len(q) && q[i] != c; i++ {
				if q[i] == '\\' {
					i++
				}
			}
		case '`':
			var b strings.Builder
			for i++; i < len(q); i++ {
				if q[i] == '`' {
					if i+1 < len(q) && q[i+1] == '`' { // a doubled backquote
						b.WriteByte('`')
						i++
						continue
					}
					break
				}
				b.WriteByte(q[i])
			}
			out = append(out, b.String())
		}
	}
	return out
}
