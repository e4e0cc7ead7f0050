package reconciler

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/stratadb/strata/reconciler/landlord"
)

// interruptedError is recorded as the error of a run a killed strata left running.
const interruptedError = "strata stopped before this run finished (killed or crashed); the next run re-planned from the live schema"

// lockTenant takes the tenant database's advisory lock on a dedicated
// connection of its server, without waiting. ok is false when another
// session holds it. unlock releases the lock and the connection.
func lockTenant(ctx context.Context, db *sql.DB, database string) (unlock func(), ok bool, err error) {
	name := landlord.LockName("tenant", database)
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("reconciler: lock %s: %w", database, err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("reconciler: lock %s: %w", database, err)
	}
	if got.Int64 != 1 {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// Release even when ctx is done; closing the connection would too.
		conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name)
		conn.Close()
	}, true, nil
}

// closeInterrupted closes the runs of the tenant still recorded as running
// as interrupted. Call it right after taking the tenant's lock: holding it
// proves no live strata is running them, so a killed one left them.
// The newest run, read here under the lock, is also what freshSincePass
// compares with the pass; the tenant's record, read with it, is what
// startStep starts from.
func (j *job) closeInterrupted(ctx context.Context) error {
	rec, newest, running, err := j.r.store.TenantState(ctx, j.t.Name)
	if err != nil {
		return err
	}
	j.newest, j.loaded = &newest, rec
	if !running {
		return nil
	}
	n, err := j.r.store.CloseRunning(ctx, j.t.Name, landlord.RunInterrupted, interruptedError)
	if err != nil {
		return err
	}
	if n > 0 {
		j.res.Interrupted = n
		j.log.Warn("closed runs a stopped strata left running", "runs", n)
	}
	return nil
}
