package landlord

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// RunSummary is a run without its statements: the fleet page's "last run".
type RunSummary struct {
	ID        int64     `json:"id"`
	Outcome   string    `json:"outcome"`
	Commit    string    `json:"commit,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// LatestRuns returns the newest run of each named tenant, in one query
// (a page of the fleet table, not the whole fleet).
func (s *Store) LatestRuns(ctx context.Context, tenants []string) (map[string]RunSummary, error) {
	out := map[string]RunSummary{}
	if len(tenants) == 0 {
		return out, nil
	}
	args := make([]any, len(tenants))
	for i, n := range tenants {
		args[i] = n
	}
	in := "(?" + strings.Repeat(", ?", len(tenants)-1) + ")"
	rows, err := s.db.QueryContext(ctx, "SELECT r.tenant, r.id, r.outcome, r.commit_sha, r.started_at FROM "+s.t("apply_runs")+" r"+
		" JOIN (SELECT tenant, MAX(id) AS id FROM "+s.t("apply_runs")+" WHERE tenant IN "+in+" GROUP BY tenant) m ON m.id = r.id", args...)
	if err != nil {
		return nil, fmt.Errorf("landlord: read the newest runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var r RunSummary
		if err := rows.Scan(&name, &r.ID, &r.Outcome, &r.Commit, &r.StartedAt); err != nil {
			return nil, fmt.Errorf("landlord: read the newest runs: %w", err)
		}
		out[name] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read the newest runs: %w", err)
	}
	return out, nil
}

// DriftSeverities returns the severity of every tenant's open drift
// detection, by tenant name (tenants without open drift omitted).
func (s *Store) DriftSeverities(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT tenant, severity FROM "+s.t("drift_detections")+" WHERE resolved_at IS NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("landlord: read open drift: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, sev string
		if err := rows.Scan(&name, &sev); err != nil {
			return nil, fmt.Errorf("landlord: read open drift: %w", err)
		}
		out[name] = sev // the newest wins: rows come oldest first
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read open drift: %w", err)
	}
	return out, nil
}

// LastDetection returns when the newest drift detection of any tenant was
// recorded (zero when none was).
func (s *Store) LastDetection(ctx context.Context) (time.Time, error) {
	var at sql.NullTime
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(detected_at) FROM "+s.t("drift_detections")).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("landlord: read the newest drift detection: %w", err)
	}
	return at.Time, nil
}

// Differences returns what a drift detection found, one entry per difference.
func (s *Store) Differences(ctx context.Context, detection int64) ([]DriftDifference, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT change_kind, object, detail FROM "+s.t("drift_reports")+" WHERE detection_id = ? ORDER BY id", detection)
	if err != nil {
		return nil, fmt.Errorf("landlord: read drift differences: %w", err)
	}
	defer rows.Close()
	var out []DriftDifference
	for rows.Next() {
		var d DriftDifference
		var detail sql.NullString
		if err := rows.Scan(&d.Change, &d.Object, &detail); err != nil {
			return nil, fmt.Errorf("landlord: read drift differences: %w", err)
		}
		d.Detail = detail.String
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read drift differences: %w", err)
	}
	return out, nil
}

// TenantSummary is what the fleet table shows of a tenant's record: the
// columns it needs, so reading 10,000 of them stays cheap.
type TenantSummary struct {
	Name              string
	Status            Status
	Template          string
	TemplateVersion   string
	Modules           []string
	LastAppliedCommit string
	LastAppliedAt     time.Time
	// Blocked: the last run left statements awaiting approval (last_error
	// says "blocked: ...").
	Blocked bool
}

// TenantSummaries returns every tenant's summary, in one query.
func (s *Store) TenantSummaries(ctx context.Context) ([]TenantSummary, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT name, status, template, template_version, modules, last_applied_commit, last_applied_at, "+
		"COALESCE(last_error LIKE 'blocked%', 0) FROM "+s.t("tenants"))
	if err != nil {
		return nil, fmt.Errorf("landlord: read tenants: %w", err)
	}
	defer rows.Close()
	var out []TenantSummary
	for rows.Next() {
		var t TenantSummary
		var status, modules string
		var applied sql.NullTime
		if err := rows.Scan(&t.Name, &status, &t.Template, &t.TemplateVersion, &modules, &t.LastAppliedCommit, &applied, &t.Blocked); err != nil {
			return nil, fmt.Errorf("landlord: read tenants: %w", err)
		}
		t.Status, t.LastAppliedAt = Status(status), applied.Time
		if modules != "" {
			t.Modules = strings.Split(modules, ",")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read tenants: %w", err)
	}
	return out, nil
}
