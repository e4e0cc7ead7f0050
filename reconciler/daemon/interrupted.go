package daemon

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/internal/ident"
	"github.com/stratadb/strata/reconciler/landlord"
)

// RunInterrupted is the outcome given to a run whose process died before it
// finished it (killed, crashed, lost its host).
const RunInterrupted = "interrupted"

// interruptedError is recorded as the error of an interrupted run.
const interruptedError = "strata stopped before this run finished (killed or crashed); the next run re-planned from the live schema"

// tenantLockName is the reconciler's advisory lock name for a tenant
// database (reconciler/lock.go); TestLockNameMatchesReconciler pins the two
// together, since holding this lock is what proves a "running" run stale.
func tenantLockName(database string) string {
	name := "strata:tenant:" + database
	if len(name) <= 64 {
		return name
	}
	sum := sha256.Sum256([]byte(database))
	return "strata:tenant:" + hex.EncodeToString(sum[:])[:48]
}

// closeInterrupted marks the tenant's runs still recorded as running as
// interrupted, but only while holding the tenant's lock on its server: no
// live strata can then be running them. It reports how many it closed; a
// lock held by another strata closes none.
func closeInterrupted(ctx context.Context, server, ll *sql.DB, landlordDB, tenant, database string) (int64, error) {
	conn, err := server.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("daemon: lock %s: %w", tenant, err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", tenantLockName(database)).Scan(&got); err != nil {
		return 0, fmt.Errorf("daemon: lock %s: %w", tenant, err)
	}
	if got.Int64 != 1 {
		return 0, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", tenantLockName(database))
	res, err := ll.ExecContext(ctx, "UPDATE "+ident.Quote(landlordDB)+".`apply_runs` SET outcome = ?, finished_at = UTC_TIMESTAMP(6), error = ? "+
		"WHERE tenant = ? AND outcome = ?", RunInterrupted, interruptedError, tenant, landlord.RunRunning)
	if err != nil {
		return 0, fmt.Errorf("daemon: close interrupted runs of %s: %w", tenant, err)
	}
	return res.RowsAffected()
}

// isMissingLandlord reports whether err means the landlord database or its
// tables do not exist yet (before the first apply migrates it).
func isMissingLandlord(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1049 || me.Number == 1146)
}
