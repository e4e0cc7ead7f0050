package reconciler

import (
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
)

// Outcome is what an apply did to one tenant.
type Outcome string

// Tenant outcomes.
const (
	OutcomeConverged      Outcome = "converged"      // live schema equals the desired schema
	OutcomeBlocked        Outcome = "blocked"        // converged except statements awaiting approval
	OutcomeFailed         Outcome = "failed"         // see TenantResult.Error
	OutcomeLocked         Outcome = "locked"         // skipped: another strata holds the tenant's lock
	OutcomeSuspended      Outcome = "suspended"      // no schema change; app user locked
	OutcomeDecommissioned Outcome = "decommissioned" // users dropped (database too when approved)
	OutcomeDrifted        Outcome = "drifted"        // changed by hand since the last apply; drift strategy report left it as is
	// OutcomeInterrupted: strata was asked to stop (SIGTERM, SIGINT) while
	// it worked on the tenant, or before it reached it; the statement in
	// flight finished and was recorded, the next apply continues.
	OutcomeInterrupted Outcome = "interrupted"
	OutcomeDiverged    Outcome = "diverged" // live differs from desired where no statement can change it (see Error)
	// OutcomeHeld: an operator paused the tenant (a landlord hold: strata
	// pause, or the console); nothing was done and nothing recorded.
	OutcomeHeld Outcome = "held"
)

// Result is what Apply did.
type Result struct {
	// Plan is the plan each tenant was applied from (planned after
	// provisioning, so a new tenant shows the statements that created it).
	Plan    *planner.Plan
	Tenants []TenantResult // in the order of Plan.Tenants
}

// TenantResult is what Apply did to one tenant.
type TenantResult struct {
	Name     string  `json:"name"`
	Database string  `json:"database"`
	Server   string  `json:"server"`
	Outcome  Outcome `json:"outcome"`
	// Provisioned is true when this run created the database.
	Provisioned bool `json:"provisioned,omitempty"`
	// Statements are the plan's statements with what became of each.
	Statements []landlord.StatementRecord `json:"statements,omitempty"`
	// Seeds are the seed files run; SeedsChanged those that changed after
	// they ran (reported, never rerun).
	Seeds        []string        `json:"seeds,omitempty"`
	SeedsChanged []string        `json:"seeds_changed,omitempty"`
	Unmanaged    []planner.Drift `json:"unmanaged,omitempty"`
	SchemaHash   string          `json:"schema_hash,omitempty"` // of the snapshot taken
	RunID        int64           `json:"run_id,omitempty"`      // landlord apply_runs id
	// Interrupted is how many runs a killed strata had left running on this
	// tenant, closed as interrupted once this run held the tenant's lock.
	Interrupted int64  `json:"interrupted_runs,omitempty"`
	Error       string `json:"error,omitempty"`
	// Err is the typed failure behind Error (see KindOf): nil for a tenant
	// that converged, was suspended or decommissioned as asked.
	Err      error         `json:"-"`
	Duration time.Duration `json:"duration_ns"`
}

// Failed reports whether any tenant failed.
func (r *Result) Failed() bool { return r.count(OutcomeFailed) > 0 }

// Blocked reports whether any tenant waits for an approval.
func (r *Result) Blocked() bool { return r.count(OutcomeBlocked) > 0 }

// ExitCode is strata apply's exit status: 1 when a tenant failed or the
// apply was interrupted; 2 when
// something waits for a person (a change awaiting approval, a drifted
// tenant left as is, a diverged tenant); 3 when the rest converged but a tenant was skipped
// because another strata run holds its lock (apply again later); 0 when
// all converged.
func (r *Result) ExitCode() int {
	switch {
	case r.Failed(), r.count(OutcomeInterrupted) > 0:
		return 1
	case r.Blocked(), r.count(OutcomeDrifted) > 0, r.count(OutcomeDiverged) > 0:
		return 2
	case r.count(OutcomeLocked) > 0:
		return 3
	}
	return 0
}

// Names lists, in order, the tenants whose outcome is o.
func (r *Result) Names(o Outcome) []string {
	var names []string
	for _, t := range r.Tenants {
		if t.Outcome == o {
			names = append(names, t.Name)
		}
	}
	return names
}

func (r *Result) count(o Outcome) int {
	n := 0
	for _, t := range r.Tenants {
		if t.Outcome == o {
			n++
		}
	}
	return n
}
