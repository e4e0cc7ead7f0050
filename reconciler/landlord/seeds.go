package landlord

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SeedRun records that a seed file ran on a tenant.
type SeedRun struct {
	Tenant     string    `json:"tenant"`
	Path       string    `json:"path"`     // repo-relative seed file
	Layer      string    `json:"layer"`    // spec.Layer.ID
	Checksum   string    `json:"checksum"` // hex SHA-256 of the file as it ran
	Statements int       `json:"statements"`
	RunID      int64     `json:"run_id,omitempty"`
	RanAt      time.Time `json:"ran_at"`
}

// SeedRuns returns the seed files that ran on tenant, by path.
func (s *Store) SeedRuns(ctx context.Context, tenant string) (map[string]SeedRun, error) {
	all, err := s.seedRuns(ctx, []string{tenant})
	if err != nil {
		return nil, fmt.Errorf("landlord: seed runs of %s: %w", tenant, err)
	}
	if all[tenant] == nil {
		return map[string]SeedRun{}, nil
	}
	return all[tenant], nil
}

// SeedRunsOf returns the seed files that ran on the named tenants (every
// tenant's when nil), by tenant and path, in one query per batch of names.
func (s *Store) SeedRunsOf(ctx context.Context, tenants []string) (map[string]map[string]SeedRun, error) {
	out, err := s.seedRuns(ctx, tenants)
	if err != nil {
		return nil, fmt.Errorf("landlord: read seed runs: %w", err)
	}
	return out, nil
}

// seedRuns is SeedRunsOf; its callers say what failed.
func (s *Store) seedRuns(ctx context.Context, tenants []string) (map[string]map[string]SeedRun, error) {
	out := map[string]map[string]SeedRun{}
	err := s.queryByNames(ctx, tenants, func(where string) string {
		return "SELECT tenant, path, layer, checksum, statements, run_id, ran_at FROM " + s.t("seed_runs") + where
	}, func(rows *sql.Rows) error {
		var r SeedRun
		var run sql.NullInt64
		if err := rows.Scan(&r.Tenant, &r.Path, &r.Layer, &r.Checksum, &r.Statements, &run, &r.RanAt); err != nil {
			return err
		}
		r.RunID = run.Int64
		if out[r.Tenant] == nil {
			out[r.Tenant] = map[string]SeedRun{}
		}
		out[r.Tenant][r.Path] = r
		return nil
	})
	return out, err
}

// RecordSeed records that a seed file ran. Recording it twice is an error:
// a seed runs once.
func (s *Store) RecordSeed(ctx context.Context, r SeedRun) error {
	_, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("seed_runs")+
		" (tenant, path, layer, checksum, statements, run_id, ran_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
		r.Tenant, r.Path, r.Layer, r.Checksum, r.Statements, sql.NullInt64{Int64: r.RunID, Valid: r.RunID > 0})
	if err != nil {
		return fmt.Errorf("landlord: record seed %s for %s: %w", r.Path, r.Tenant, err)
	}
	return nil
}
