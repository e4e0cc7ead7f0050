package reconciler

import (
	"context"
	"fmt"
	"strings"

	"github.com/stratadb/strata/planner/fingerprint"
	"github.com/stratadb/strata/reconciler/internal/ident"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/snapshot"
)

// approveDropDatabase is the approval that lets decommissioning drop a tenant's database.
const approveDropDatabase = "DROP DATABASE"

// suspendStep makes no schema change and locks the app user (when it exists):
// the application can no longer connect; data is kept.
func suspendStep(ctx context.Context, j *job) error {
	if j.rec.Status != landlord.StatusSuspended {
		if err := j.openRun(ctx); err != nil {
			return err
		}
	}
	if err := j.setAppLock(ctx, true); err != nil {
		return err
	}
	j.res.Outcome = OutcomeSuspended
	return nil
}

// setAppLock locks or unlocks the tenant's app user, if it exists.
func (j *job) setAppLock(ctx context.Context, lock bool) error {
	user := userName(j.t.Database, landlord.RoleApp)
	var n int
	if err := j.srv.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE user = ? AND host = ?", user, host).Scan(&n); err != nil {
		return fmt.Errorf("reconciler: look up user %s: %w", user, err)
	}
	if n == 0 {
		return nil
	}
	verb := "ACCOUNT UNLOCK"
	if lock {
		verb = "ACCOUNT LOCK"
	}
	if _, err := j.srv.db.ExecContext(ctx, "ALTER USER "+ident.String(user)+"@"+ident.String(host)+" "+verb); err != nil {
		return fmt.Errorf("reconciler: %s %s: %w", strings.ToLower(verb), user, err)
	}
	j.log.Info(strings.ToLower(verb), "user", user)
	return nil
}

// decommissionStep drops the tenant's users and forgets their credentials;
// the database is dropped only when the tenant's approvals contain
// "DROP DATABASE".
func decommissionStep(ctx context.Context, j *job) error {
	if j.rec.Status != landlord.StatusDecommissioned {
		if err := j.openRun(ctx); err != nil {
			return err
		}
	}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		user := userName(j.t.Database, role)
		if _, err := j.srv.db.ExecContext(ctx, "DROP USER IF EXISTS "+ident.String(user)+"@"+ident.String(host)); err != nil {
			return fmt.Errorf("reconciler: drop user %s: %w", user, err)
		}
	}
	if err := j.r.store.DeleteCredentials(ctx, j.t.Name); err != nil {
		return err
	}
	if approved(j.t.Approve.Destructive, approveDropDatabase) {
		if _, err := j.srv.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident.Quote(j.t.Database)); err != nil {
			return fmt.Errorf("reconciler: drop database %s: %w", j.t.Database, err)
		}
		j.log.Info("dropped database (approved)")
	}
	j.res.Outcome = OutcomeDecommissioned
	return nil
}

func approved(list []string, want string) bool {
	for _, a := range list {
		if strings.EqualFold(strings.Join(strings.Fields(a), " "), want) {
			return true
		}
	}
	return false
}

// takeSnapshot reads the tenant's live schema and records it.
func takeSnapshot(ctx context.Context, j *job) (*snapshot.Schema, error) {
	s, err := snapshot.Take(ctx, j.srv.db, j.t.Database)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	// The fingerprint is the drift sweep's baseline (see drift.go).
	fp, err := fingerprint.Schema(ctx, j.srv.db, j.t.Database)
	if err != nil {
		return nil, fmt.Errorf("reconciler: %w", err)
	}
	err = j.r.store.SaveSnapshot(ctx, landlord.Snapshot{
		Tenant: j.t.Name, RunID: j.res.RunID, Commit: j.r.opts.Commit,
		Hash: s.Hash, Tables: s.Tables, Indexes: s.Indexes, ForeignKeys: s.ForeignKeys, DDL: s.DDL,
		Fingerprint: fp,
	})
	return s, err
}
