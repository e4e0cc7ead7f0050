package reconciler

import (
	"errors"
	"strings"

	"github.com/stratadb/strata/planner"
)

// diverged marks the tenant diverged when the verifying plan again found
// differences that no statement changes (planner exact.go): the outcome is
// never converged then, and the error names each object and attribute. The
// seed and snapshot steps still run: the snapshot records what is live, so
// the next drift check does not mistake this run's changes for drift.
func (j *job) diverged(again planner.TenantPlan) {
	if len(again.Divergences) == 0 {
		return
	}
	j.plan.Divergences = again.Divergences
	if j.plan.Action == planner.ActionNone {
		j.plan.Action = planner.ActionDiverged
	}
	lines := make([]string, len(again.Divergences))
	for i, d := range again.Divergences {
		lines[i] = d.String()
	}
	j.res.Outcome = OutcomeDiverged
	j.res.Error = "diverged: " + strings.Join(lines, "; ")
	j.res.Err = Stalled(errors.New(j.res.Error)) // until the layers or the live schema change
}
