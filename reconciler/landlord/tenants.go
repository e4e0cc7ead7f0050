package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is a tenant's recorded state.
type Status string

// Tenant statuses.
const (
	StatusPending        Status = "pending"        // in the spec, never applied
	StatusProvisioning   Status = "provisioning"   // database and users being created
	StatusActive         Status = "active"         // converged at LastAppliedCommit
	StatusFailed         Status = "failed"         // last attempt failed: see LastError
	StatusDrifted        Status = "drifted"        // live schema differs from the last snapshot
	StatusSuspended      Status = "suspended"      // no schema changes, app user locked
	StatusDecommissioned Status = "decommissioned" // users dropped
	// StatusOrphaned: recorded here, no longer in the config repo; its
	// database, users and credentials are kept as they were.
	StatusOrphaned Status = "orphaned"
	// StatusDiverged: the live schema differs from the desired one where
	// no statement can change it (see LastError for what differs).
	StatusDiverged Status = "diverged"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusPending, StatusProvisioning, StatusActive, StatusFailed, StatusDrifted, StatusDiverged, StatusSuspended, StatusDecommissioned, StatusOrphaned}

// NeedsAttention reports whether a tenant in this status needs a human.
func (s Status) NeedsAttention() bool {
	return s == StatusFailed || s == StatusDrifted || s == StatusDiverged || s == StatusProvisioning
}

// Tenant is a tenant's record.
type Tenant struct {
	Name                string    `json:"name"`
	Database            string    `json:"database"`
	Server              string    `json:"server"`
	Status              Status    `json:"status"`
	Template            string    `json:"template,omitempty"`
	TemplateVersion     string    `json:"template_version,omitempty"`
	Modules             []string  `json:"modules,omitempty"`
	DesiredHash         string    `json:"desired_hash,omitempty"`
	LiveHash            string    `json:"live_hash,omitempty"` // schema hash of the last snapshot
	LastAppliedCommit   string    `json:"last_applied_commit,omitempty"`
	LastAttemptedCommit string    `json:"last_attempted_commit,omitempty"`
	LastError           string    `json:"last_error,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	LastAppliedAt       time.Time `json:"last_applied_at,omitzero"`
}

const tenantColumns = "name, database_name, server, status, template, template_version, modules, desired_hash, live_hash, " +
	"last_applied_commit, last_attempted_commit, last_error, created_at, updated_at, last_applied_at"

// PutTenant inserts or replaces t's record; CreatedAt is kept from the first insert.
func (s *Store) PutTenant(ctx context.Context, t Tenant) error {
	q := "INSERT INTO " + s.t("tenants") + " (" + tenantColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?) " +
		"ON DUPLICATE KEY UPDATE database_name = VALUES(database_name), server = VALUES(server), status = VALUES(status), " +
		"template = VALUES(template), template_version = VALUES(template_version), modules = VALUES(modules), " +
		"desired_hash = VALUES(desired_hash), live_hash = VALUES(live_hash), last_applied_commit = VALUES(last_applied_commit), " +
		"last_attempted_commit = VALUES(last_attempted_commit), last_error = VALUES(last_error), updated_at = UTC_TIMESTAMP(6), " +
		"last_applied_at = VALUES(last_applied_at)"
	_, err := s.q.ExecContext(ctx, q, t.Name, t.Database, t.Server, string(t.Status), t.Template, t.TemplateVersion,
		strings.Join(t.Modules, ","), t.DesiredHash, t.LiveHash, t.LastAppliedCommit, t.LastAttemptedCommit,
		nullString(t.LastError), nullTime(t.LastAppliedAt))
	if err != nil {
		return fmt.Errorf("landlord: record tenant %s: %w", t.Name, err)
	}
	return nil
}

// Tenant returns the record of the named tenant, or ErrNotFound.
func (s *Store) Tenant(ctx context.Context, name string) (*Tenant, error) {
	ts, err := s.queryTenants(ctx, "WHERE name = ?", name)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("landlord: tenant %s: %w", name, ErrNotFound)
	}
	return &ts[0], nil
}

// Tenants returns the records of tenants in any of the given statuses (all
// when none), sorted by name, at most limit of them (all when limit <= 0).
func (s *Store) Tenants(ctx context.Context, limit int, statuses ...Status) ([]Tenant, error) {
	var where string
	var args []any
	if len(statuses) > 0 {
		where = "WHERE status IN (?" + strings.Repeat(", ?", len(statuses)-1) + ")"
		for _, st := range statuses {
			args = append(args, string(st))
		}
	}
	where += " ORDER BY name"
	if limit > 0 {
		where += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.queryTenants(ctx, where, args...)
}

// Counts returns how many tenants are in each status (statuses with none omitted).
func (s *Store) Counts(ctx context.Context) (map[Status]int, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT status, COUNT(*) FROM "+s.t("tenants")+" GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("landlord: count tenants: %w", err)
	}
	defer rows.Close()
	counts := map[Status]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("landlord: count tenants: %w", err)
		}
		counts[Status(st)] = n
	}
	return counts, rows.Err()
}

func (s *Store) queryTenants(ctx context.Context, where string, args ...any) ([]Tenant, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT "+tenantColumns+" FROM "+s.t("tenants")+" "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("landlord: read tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read tenants: %w", err)
	}
	return out, nil
}

// scanTenant reads a row that starts with tenantColumns; the columns after
// them are scanned into more.
func scanTenant(rows *sql.Rows, more ...any) (Tenant, error) {
	var t Tenant
	var status, modules string
	var lastErr sql.NullString
	var applied sql.NullTime
	if err := rows.Scan(append([]any{&t.Name, &t.Database, &t.Server, &status, &t.Template, &t.TemplateVersion, &modules,
		&t.DesiredHash, &t.LiveHash, &t.LastAppliedCommit, &t.LastAttemptedCommit, &lastErr,
		&t.CreatedAt, &t.UpdatedAt, &applied}, more...)...); err != nil {
		return Tenant{}, fmt.Errorf("landlord: read tenants: %w", err)
	}
	t.Status, t.LastError, t.LastAppliedAt = Status(status), lastErr.String, applied.Time
	if modules != "" {
		t.Modules = strings.Split(modules, ",")
	}
	return t, nil
}

// TenantState returns the tenant's record (nil when it has none) with
// RunState's answer, in one query when there is a record: an apply reads
// both under the tenant's lock.
func (s *Store) TenantState(ctx context.Context, name string) (rec *Tenant, newest RunMark, running bool, err error) {
	runs := s.t("apply_runs")
	rows, err := s.q.QueryContext(ctx, "SELECT "+tenantColumns+
		", COALESCE((SELECT id FROM "+runs+" WHERE tenant = ? ORDER BY id DESC LIMIT 1), 0)"+
		", COALESCE((SELECT outcome FROM "+runs+" WHERE tenant = ? ORDER BY id DESC LIMIT 1), '')"+
		", (SELECT COUNT(*) FROM "+runs+" WHERE tenant = ? AND outcome = ?) FROM "+s.t("tenants")+" WHERE name = ?",
		name, name, name, RunRunning, name)
	if err != nil {
		return nil, RunMark{}, false, fmt.Errorf("landlord: tenant %s: %w", name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, RunMark{}, false, fmt.Errorf("landlord: tenant %s: %w", name, err)
		}
		newest, running, err = s.RunState(ctx, name) // no record: runs a failure left, perhaps
		return nil, newest, running, err
	}
	var n int
	t, err := scanTenant(rows, &newest.ID, &newest.Outcome, &n)
	if err != nil {
		return nil, RunMark{}, false, err
	}
	return &t, newest, n > 0, rows.Close()
}

// IsNotFound reports whether err means the landlord has no such record.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Attention returns the tenants that need a human, sorted by name, at most
// limit (all when limit <= 0): failed, drifted, diverged or stuck provisioning, and
// active ones whose last run left something blocked or an error.
func (s *Store) Attention(ctx context.Context, limit int) ([]Tenant, error) {
	where := "WHERE status IN (?, ?, ?, ?) OR (status = ? AND last_error IS NOT NULL AND last_error <> '') ORDER BY name"
	if limit > 0 {
		where += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.queryTenants(ctx, where, string(StatusFailed), string(StatusDrifted), string(StatusDiverged), string(StatusProvisioning), string(StatusActive))
}

// MarkOrphaned sets status orphaned on every recorded tenant whose name is
// not in names (the tenants of the config repo), in two queries, and
// returns the tenants it marked.
func (s *Store) MarkOrphaned(ctx context.Context, names map[string]bool) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT name FROM "+s.t("tenants")+" WHERE status <> ?", string(StatusOrphaned))
	if err != nil {
		return nil, fmt.Errorf("landlord: read tenant names: %w", err)
	}
	var orphans []any
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("landlord: read tenant names: %w", err)
		}
		if !names[n] {
			orphans, out = append(orphans, n), append(out, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(orphans) == 0 {
		return nil, err
	}
	q := "UPDATE " + s.t("tenants") + " SET status = ?, updated_at = UTC_TIMESTAMP(6) WHERE name IN (?" + strings.Repeat(", ?", len(orphans)-1) + ")"
	if _, err := s.q.ExecContext(ctx, q, append([]any{string(StatusOrphaned)}, orphans...)...); err != nil {
		return nil, fmt.Errorf("landlord: mark orphaned tenants: %w", err)
	}
	return out, nil
}
