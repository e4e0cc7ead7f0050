package reconciler

import (
	"context"
	"fmt"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// DriftState is what a drift sweep concluded about one tenant.
type DriftState string

// Drift states.
const (
	DriftNone    DriftState = "none"    // live schema equals the last apply's snapshot, its users in place
	DriftFound   DriftState = "drifted" // schema or users changed outside strata since the last apply
	DriftUnknown DriftState = "unknown" // no baseline yet
	DriftSkipped DriftState = "skipped" // suspended or decommissioned
	DriftFailed  DriftState = "failed"  // could not be checked: see Error
)

// TenantDrift is the drift of one tenant.
type TenantDrift struct {
	Name     string         `json:"name"`
	Database string         `json:"database"`
	Server   string         `json:"server"`
	State    DriftState     `json:"state"`
	Severity drift.Severity `json:"severity"`
	Score    int            `json:"score"`
	// Differences go from the snapshot to the live schema ("added" is only
	// live), the tenant's users' first (object "user").
	Differences []drift.Difference `json:"differences,omitempty"`
	// Repair are the statements that would put the users in place and
	// restore the snapshot, classified and with the tenant's approvals
	// applied, as strata apply would run them.
	Repair []planner.Statement `json:"repair,omitempty"`
	// Unmanaged are live tables the snapshot does not have: never dropped
	// without approval.
	Unmanaged []planner.Drift `json:"unmanaged,omitempty"`
	// DetectionID is the landlord drift_detections row of this drift; Recorded
	// is true when this sweep wrote it (a drift already recorded with the same
	// live fingerprint is not recorded again).
	DetectionID int64  `json:"detection_id,omitempty"`
	Recorded    bool   `json:"recorded,omitempty"`
	Note        string `json:"note,omitempty"` // why the state is unknown, or why a differing fingerprint is no drift of the schema
	Error       string `json:"error,omitempty"`
	err         error  // Error as the error it was (DriftFailed), for its kind

	inspected   bool              // needed an Atlas inspect (counted in DriftSummary.Inspected)
	baseline    landlord.Baseline // what detect compared with, for recordDetection
	fingerprint string            // the live fingerprint detect saw
}

// DriftSummary counts a sweep's tenants.
type DriftSummary struct {
	Tenants    int                    `json:"tenants"`
	Drifted    int                    `json:"drifted"`
	BySeverity map[drift.Severity]int `json:"by_severity"`
	Unknown    int                    `json:"unknown"`
	Skipped    int                    `json:"skipped"`
	Failed     int                    `json:"failed"`
	// Inspected is how many tenants needed an Atlas inspect: those whose
	// live fingerprint differed from their snapshot's.
	Inspected int           `json:"inspected"`
	Duration  time.Duration `json:"duration_ns"`
}

// DriftResult is what a drift sweep found, one entry per tenant in fleet order.
type DriftResult struct {
	Tenants []TenantDrift `json:"tenants"`
	Summary DriftSummary  `json:"summary"`
}

// ExitCode is strata drift's exit status: 1 when a tenant could not be
// checked, 2 when drift was found, 0 otherwise.
func (d *DriftResult) ExitCode() int {
	switch {
	case d.Summary.Failed > 0:
		return 1
	case d.Summary.Drifted > 0:
		return 2
	}
	return 0
}

// Drift sweeps the named tenants (all when tenants is empty) for drift: live
// schemas that differ from the snapshot taken at the tenant's last
// successful apply. One fingerprint pass per server and one landlord query
// find the tenants whose schema changed; only those are inspected, scored
// (planner/drift) and planned for repair. Each new detection is recorded in
// the landlord with the live schema, and the tenant marked drifted; a
// drifted tenant found back at its snapshot is marked active again. Nothing
// in a tenant database is changed. The error is for an unknown tenant, an
// unreachable landlord or a cancelled ctx; per-tenant failures are in the
// result.
func (r *Reconciler) Drift(ctx context.Context, tenants []string) (*DriftResult, error) {
	start := time.Now()
	sel, err := r.selectTenants(tenants)
	if err != nil {
		return nil, err
	}
	store, err := r.Landlord(ctx)
	if err != nil {
		return nil, err
	}
	baselines, err := store.Baselines(ctx, r.names(sel))
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	live := r.readLive(ctx, sel)
	live.baselines = baselines
	if live.creds, err = store.CredentialsOf(ctx, r.names(sel)); err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	res := &DriftResult{Tenants: make([]TenantDrift, len(sel))}
	err = r.forEach(ctx, sel, func(ctx context.Context, i int, t *spec.Tenant) {
		res.Tenants[i] = r.driftTenant(ctx, t, live)
	})
	res.summarize(time.Since(start))
	return res, err
}

// driftTenant checks one tenant against its baseline, and its users
// (userDrift).
func (r *Reconciler) driftTenant(ctx context.Context, t *spec.Tenant, live *liveState) TenantDrift {
	td := TenantDrift{Name: t.Name, Database: t.Database, Server: t.Server, State: DriftNone, Severity: drift.None}
	if t.Status == spec.StatusSuspended || t.Status == spec.StatusDecommissioned {
		td.State = DriftSkipped
		return td
	}
	if err := live.errs[t.Server]; err != nil {
		return driftFailed(td, err)
	}
	b, ok := live.baselines[t.Name]
	if !ok {
		td.State, td.Note = DriftUnknown, "no snapshot yet: run strata apply first"
		return td
	}
	s, err := r.server(t.Server)
	if err != nil {
		return driftFailed(td, err)
	}
	fp, exists := live.fingerprint(t)
	var users []drift.Difference
	if exists {
		u, err := r.usersOf(ctx, s, t, live, true)
		if err != nil {
			return driftFailed(td, err)
		}
		if users = userDrift(t.Database, u); len(users) > 0 {
			td.Repair = plannedUsers(t.Database, u)
		}
	}
	if exists && fp == b.Fingerprint {
		if len(users) == 0 {
			if b.Status == landlord.StatusDrifted {
				if err := r.store.ResolveDrift(ctx, t.Name); err != nil {
					return driftFailed(td, err)
				}
			}
			return td
		}
		td.baseline, td.fingerprint = b, fp
	} else {
		// Objects strata's own runs since the snapshot changed are not drift
		// (drift_own.go); apply's drift strategy uses the same rule.
		repair := td.Repair
		if td = r.detect(ctx, td, s, t, b, fp, exists); td.State == DriftFailed {
			return td
		}
		td.Repair = append(repair, td.Repair...)
	}
	if len(users) > 0 {
		td.State, td.Differences = DriftFound, append(users, td.Differences...)
		for _, d := range users {
			td.Score += d.Weight
		}
		td.Severity = drift.SeverityOf(td.Score)
	}
	if td.State == DriftFound {
		td = r.recordDetection(ctx, td, s, t)
	}
	return td
}
