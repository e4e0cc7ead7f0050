package landlord

import (
	"context"
	"fmt"
)

// RunInterrupted is the outcome of a run whose process died before it
// finished it (killed, crashed, lost its host).
const RunInterrupted = "interrupted"

// CloseRunning gives every run of tenant still recorded as running the
// outcome and error msg, and their statements still running the outcome
// StatementInterrupted, and returns how many runs it closed. Call it only while
// holding the tenant's lock (LockName("tenant", database)): no live strata
// can then be running them, so they were left by a process that died.
func (s *Store) CloseRunning(ctx context.Context, tenant, outcome, msg string) (int64, error) {
	// The statements first: a run is closed only with its statements.
	if _, err := s.q.ExecContext(ctx, "UPDATE "+s.t("apply_statements")+" st JOIN "+s.t("apply_runs")+" r ON r.id = st.run_id"+
		" SET st.outcome = ? WHERE r.tenant = ? AND r.outcome = ? AND st.outcome = ?",
		StatementInterrupted, tenant, RunRunning, StatementRunning); err != nil {
		return 0, fmt.Errorf("landlord: close the running statements of %s: %w", tenant, err)
	}
	res, err := s.q.ExecContext(ctx, "UPDATE "+s.t("apply_runs")+" SET outcome = ?, finished_at = UTC_TIMESTAMP(6), error = ?"+
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
