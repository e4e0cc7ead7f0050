package planner

import (
	"fmt"
	"time"
)

// Kind classifies a planned statement by its effect on data.
type Kind string

// Statement kinds.
const (
	Additive      Kind = "additive"       // creates or widens; never loses data
	Destructive   Kind = "destructive"    // drops a table, column, index or narrows a type
	DataDependent Kind = "data-dependent" // may fail or change data depending on what rows exist
)

// Action is what a plan does to one tenant.
type Action string

// Tenant actions.
const (
	ActionCreate  Action = "create"  // the database does not exist yet
	ActionChange  Action = "change"  // statements to run, none blocked
	ActionNone    Action = "none"    // in sync
	ActionBlocked Action = "blocked" // at least one statement waits for approval
	ActionFailed  Action = "failed"  // the tenant could not be planned
	ActionSkip    Action = "skip"    // nothing to do: suspended or decommissioned, and that already took effect
	// ActionDiverged: the live schema differs from the desired one in ways
	// no statement can change (TenantPlan.Divergences names them).
	ActionDiverged Action = "diverged"
)

// Statement is one planned DDL statement for a tenant.
type Statement struct {
	SQL     string `json:"sql"`               // unqualified: runs inside the tenant database
	Comment string `json:"comment,omitempty"` // what it does, in words
	Kind    Kind   `json:"kind"`
	// Codes are the sqlcheck analyzer codes that classified it, e.g. "DS103".
	Codes []string `json:"codes,omitempty"`
	// Approval is the canonical form of a destructive change, e.g.
	// "DROP COLUMN members.fax": the exact string to add under approve.destructive.
	Approval string `json:"approval,omitempty"`
	// Blocked is true for a destructive statement that no approval covers,
	// and for one the tenant's drift strategy withholds.
	Blocked bool `json:"blocked"`
	// Note says why a blocked statement waits besides its own approval, or
	// how to keep the data (a rename declaration).
	Note string `json:"note,omitempty"`
	// Withheld says why the tenant's drift strategy keeps the statement
	// from running ("" when it does not): it touches objects changed by
	// hand since the last apply.
	Withheld string `json:"withheld,omitempty"`
	// Objects are the tables, columns, indexes, keys and checks the
	// statement changes, from the diff engine's change.
	Objects []Object `json:"-"`
	// Archive is set on the statements that keep the data of an approved
	// drop or restore it (strata's archives, see package reconciler): apply
	// records them in the landlord as they run.
	Archive *ArchiveStep `json:"archive,omitempty"`
}

// Archive operations.
const (
	ArchiveKeep    = "archive" // keeps a table's or column's data before its drop
	ArchiveRestore = "restore" // brings an archive's data back into the re-created object
)

// ArchiveStep is what a statement does for an archive.
type ArchiveStep struct {
	Op     string `json:"op"`     // ArchiveKeep or ArchiveRestore
	Kind   string `json:"kind"`   // "table" or "column"
	Object string `json:"object"` // "members" or "members.fax"
	Table  string `json:"table"`  // the archive table in the tenant's database
	Rows   int64  `json:"rows"`   // rows (a column: its table's rows) kept or restored, as planned
	Values int64  `json:"values"` // a column's non-NULL values; a table's rows
	Bytes  int64  `json:"bytes"`  // data and index bytes (a column: the values' length)
	// Note says it in words, e.g. "restores 1,204 values of members.fax
	// from the archive of run 812".
	Note string `json:"note"`
	// Replaces is the SQL of the diff's statement this one stands for (the
	// drop, or the creation a restore replaces); "" for a statement strata
	// added (a copy, an UPDATE, a foreign key change). A pull request's
	// plan, made without the live databases, has the diff's statements.
	Replaces string `json:"-"`
	// ID is the landlord record a restore uses (0 for a new archive).
	ID int64 `json:"id,omitempty"`
	// First and Last mark the statements of one archive or restore that
	// open and close its landlord record.
	First bool `json:"-"`
	Last  bool `json:"-"`
	// Definition, KeyColumns, Approval and Retention are recorded with a
	// new archive.
	Definition string        `json:"-"`
	KeyColumns []string      `json:"-"`
	Approval   string        `json:"-"`
	Retention  time.Duration `json:"-"`
}

// Drift is an object in the live database that no layer declares.
type Drift struct {
	Object string `json:"object"` // e.g. "TABLE notes"
	Detail string `json:"detail,omitempty"`
}

// TenantPlan is the plan for one tenant.
type TenantPlan struct {
	Name        string      `json:"name"`
	Database    string      `json:"database"`
	Server      string      `json:"server"`
	Action      Action      `json:"action"`
	DesiredHash string      `json:"desired_hash,omitempty"` // spec.Tenant.LayerHash of the composition
	Statements  []Statement `json:"statements"`
	Unmanaged   []Drift     `json:"unmanaged,omitempty"` // objects no layer declares; never dropped unapproved
	// Divergences are the differences between live and desired that no
	// planned statement changes: the tenant is not in sync while any remain.
	Divergences []Divergence `json:"divergences,omitempty"`
	Error       string       `json:"error,omitempty"` // why planning failed (ActionFailed)
	// Err is Error as the error it was, so a caller can tell a lost
	// connection from a spec that cannot be planned; nil when not failed.
	Err error `json:"-"`
}

// Blocked reports whether any statement waits for approval.
func (t *TenantPlan) Blocked() bool {
	for _, s := range t.Statements {
		if s.Blocked {
			return true
		}
	}
	return false
}

// counts returns 1, 1 when t has statements apply runs and statements
// that wait for approval; each independently of the other.
func (t *TenantPlan) counts() (runs, blocked int) {
	for _, s := range t.Statements {
		if s.Blocked {
			blocked = 1
		} else {
			runs = 1
		}
	}
	return runs, blocked
}

// Plan is the plan for a set of tenants at one commit.
type Plan struct {
	Commit  string       `json:"commit,omitempty"`
	Tenants []TenantPlan `json:"tenants"`
	Summary Summary      `json:"summary"`
}

// Summary counts a plan's tenants by what will happen to them. A tenant
// with runnable and blocked statements counts both as to change and as
// blocked: apply runs the one and withholds the other.
type Summary struct {
	Tenants    int `json:"tenants"`
	Create     int `json:"create"`
	Change     int `json:"change"`     // tenants with at least one statement apply runs
	Statements int `json:"statements"` // statements in tenants to create or change, blocked ones included
	Blocked    int `json:"blocked"`    // tenants with at least one statement waiting for approval
	InSync     int `json:"in_sync"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	Diverged   int `json:"diverged"` // tenants with divergences, whatever else they do
}

// Summarize recomputes p.Summary from p.Tenants.
func (p *Plan) Summarize() {
	s := Summary{Tenants: len(p.Tenants)}
	for _, t := range p.Tenants {
		switch t.Action {
		case ActionCreate:
			s.Create++
		case ActionChange, ActionBlocked:
			runs, blocked := t.counts()
			s.Change += runs
			s.Blocked += blocked
		case ActionNone:
			s.InSync++
		case ActionFailed:
			s.Failed++
		case ActionSkip:
			s.Skipped++
		}
		if len(t.Divergences) > 0 {
			s.Diverged++
		}
		s.Statements += len(t.Statements)
	}
	p.Summary = s
}

// NeedsAttention reports whether a tenant is shown in detail: anything but
// an in-sync or skipped tenant without drift.
func (t TenantPlan) NeedsAttention() bool {
	return len(t.Statements) > 0 || len(t.Unmanaged) > 0 || len(t.Divergences) > 0 || t.Error != "" ||
		(t.Action != ActionNone && t.Action != ActionSkip)
}

// Divergence is one attribute of one object that differs between the live
// and the desired schema and that no planned statement changes.
type Divergence struct {
	Object    string `json:"object"`    // e.g. "users.updated_at", "users CHECK chk_status"
	Attribute string `json:"attribute"` // e.g. "ON UPDATE", "position"
	Live      string `json:"live"`      // "none" when absent
	Desired   string `json:"desired"`
}

// String reads e.g. "users.updated_at: ON UPDATE differs (live: none,
// desired: current_timestamp())".
func (d Divergence) String() string {
	return fmt.Sprintf("%s: %s differs (live: %s, desired: %s)", d.Object, d.Attribute, d.Live, d.Desired)
}
