package landlord

import (
	"context"
	"database/sql"
	"fmt"
)

// Each autocommit write to the landlord is one InnoDB log flush; a tenant's
// apply made six (run, statement running, its outcome, snapshot, tenant,
// run closed). The writes below share a transaction wherever the safety
// model allows: the run and its statements are on record before the DDL
// runs, each outcome before the next statement runs, and the tenant's
// final record lands with its run's close or not at all.

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// inTx runs f in one transaction and commits it; what names the write in errors.
func (s *Store) inTx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("landlord: %s: %w", what, err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("landlord: %s: %w", what, err)
	}
	return nil
}

// OpenRun records the start of a run together with its first statements
// (the one about to run recorded running, and any not run before it) in
// one transaction, and returns the run's id.
func (s *Store) OpenRun(ctx context.Context, tenant, commit string, pr int, sts []StatementRecord) (int64, error) {
	var id int64
	err := s.inTx(ctx, "start run for "+tenant, func(tx *sql.Tx) error {
		var err error
		if id, err = s.startRun(ctx, tx, tenant, commit, pr); err != nil {
			return err
		}
		for _, st := range sts {
			if err := s.addStatement(ctx, tx, id, st); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// RecordStatements records, in one transaction, the outcome of run's
// statement done (recorded running before; nil when none) and adds sts:
// the next statement recorded running before it runs, and any not run.
func (s *Store) RecordStatements(ctx context.Context, run int64, done *StatementRecord, sts []StatementRecord) error {
	return s.inTx(ctx, fmt.Sprintf("record statements of run %d", run), func(tx *sql.Tx) error {
		if done != nil {
			if err := s.finishStatement(ctx, tx, run, *done); err != nil {
				return err
			}
		}
		for _, st := range sts {
			if err := s.addStatement(ctx, tx, run, st); err != nil {
				return err
			}
		}
		return nil
	})
}

// Closing is what an apply leaves on record at its end.
type Closing struct {
	Tenant       Tenant
	Snapshot     *Snapshot // the new baseline; nil when none is taken
	ResolveDrift bool      // the snapshot closes the tenant's open drift
	Run          int64     // the run to close; 0 when none was opened
	Outcome      string    // the run's outcome
	Error        string
}

// CloseRun records c in one transaction: a crash cannot leave the tenant
// recorded converged at a new snapshot with its run still open, or the run
// closed without the tenant's record.
func (s *Store) CloseRun(ctx context.Context, c Closing) error {
	return s.inTx(ctx, fmt.Sprintf("close run %d of %s", c.Run, c.Tenant.Name), func(tx *sql.Tx) error {
		if c.Snapshot != nil {
			if err := s.saveSnapshot(ctx, tx, *c.Snapshot); err != nil {
				return err
			}
		}
		if c.ResolveDrift {
			if err := s.resolveDrift(ctx, tx, c.Tenant.Name); err != nil {
				return err
			}
		}
		if err := s.putTenant(ctx, tx, c.Tenant); err != nil {
			return err
		}
		if c.Run > 0 {
			return s.finishRun(ctx, tx, c.Run, c.Outcome, c.Error)
		}
		return nil
	})
}
