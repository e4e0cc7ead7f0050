package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// RunInterrupted is the outcome of a run whose process died before it
// finished it (killed, crashed, lost its host).
const RunInterrupted = "interrupted"

// CloseRunning gives every run of tenant still recorded as running the
// outcome and error msg, and returns how many it closed. Call it only while
// holding the tenant's lock (LockName("tenant", database)): no live strata
// can then be running them, so they were left by a process that died.
func (s *Store) CloseRunning(ctx context.Context, tenant, outcome, msg string) (int64, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE "+s.t("apply_runs")+" SET outcome = ?, finished_at = UTC_TIMESTAMP(6), error = ?"+
		" WHERE tenant = ? AND outcome = ?", outcome, nullString(msg), tenant, RunRunning)
	if err != nil {
		return 0, fmt.Errorf("landlord: close the running runs of %s: %w", tenant, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("landlord: close the running runs of %s: %w", tenant, err)
	}
	return n, nil
}

// PartialRunSince returns the newest run of tenant started after snapshot
// (a snapshots id) that left strata's own work half done: one still running
// or interrupted, or one that failed after applying at least one statement.
// Its changes explain a live schema that differs from the snapshot, so they
// are not drift. It returns ErrNotFound when there is none.
func (s *Store) PartialRunSince(ctx context.Context, tenant string, snapshot int64) (*Run, error) {
	var r Run
	var e sql.NullString
	err := s.db.QueryRowContext(ctx, "SELECT r.id, r.tenant, r.commit_sha, r.started_at, r.outcome, r.error FROM "+s.t("apply_runs")+" r"+
		" WHERE r.tenant = ? AND r.started_at > (SELECT taken_at FROM "+s.t("snapshots")+" WHERE id = ?)"+
		" AND (r.outcome IN (?, ?) OR (r.outcome = ? AND EXISTS (SELECT 1 FROM "+s.t("apply_statements")+" st"+
		" WHERE st.run_id = r.id AND st.outcome = ?)))"+
		" ORDER BY r.id DESC LIMIT 1",
		tenant, snapshot, RunRunning, RunInterrupted, RunFailed, StatementApplied).
		Scan(&r.ID, &r.Tenant, &r.Commit, &r.StartedAt, &r.Outcome, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("landlord: partial run of %s: %w", tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: partial run of %s: %w", tenant, err)
	}
	r.Error = e.String
	return &r, nil
}
