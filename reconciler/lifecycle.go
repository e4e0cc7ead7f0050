package reconciler

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// approveDropDatabase is the approval that lets decommissioning drop a
// tenant's database. Only the tenant's own tenant.yaml may give it
// (spec.Tenant.OwnApprove): one line in strata.yaml, a template or a module
// must not approve dropping the database of every tenant decommissioned later.
const approveDropDatabase = "DROP DATABASE"

// lifecycleStatements returns what suspending or decommissioning t still
// has to run on its server, read from the live server (nil when it is done):
//   - suspended: lock the app user (data and schema are kept);
//   - decommissioned: drop the users that exist, and the database when t's
//     own tenant.yaml approves DROP DATABASE.
//
// strata plan shows them and apply runs exactly them, as the server's admin.
func lifecycleStatements(ctx context.Context, db *sql.DB, t *spec.Tenant) ([]planner.Statement, error) {
	a, err := readTenantAccounts(ctx, db, t)
	if err != nil {
		return nil, err
	}
	var out []planner.Statement
	switch t.Status {
	case spec.StatusSuspended:
		user := userName(t.Database, landlord.RoleApp)
		if locked, exists := a.locked[user]; !exists || locked {
			return nil, nil
		}
		out = append(out, planner.Statement{SQL: "ALTER USER " + account(user) + " ACCOUNT LOCK", Kind: planner.Additive,
			Comment: "suspend: lock the app user; the schema and data are kept"})
	case spec.StatusDecommissioned:
		for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
			user := userName(t.Database, role)
			if _, exists := a.locked[user]; exists {
				out = append(out, planner.Statement{SQL: "DROP USER IF EXISTS " + account(user), Kind: planner.Destructive,
					Comment: "decommission: drop the " + string(role) + " user and forget its password"})
			}
		}
		if planner.Approved(t.OwnApprove, approveDropDatabase) {
			exists, err := databaseExists(ctx, db, t.Database)
			if err != nil {
				return nil, err
			}
			if exists {
				out = append(out, planner.Statement{SQL: "DROP DATABASE IF EXISTS " + ident.Quote(t.Database), Kind: planner.Destructive,
					Approval: approveDropDatabase, Comment: "decommission: drop the database, approved in " + t.Path})
			}
		}
	}
	return out, nil
}

// lifecyclePlan is the plan of a suspended or decommissioned tenant: a
// change with the statements still to run, or skip when none remain.
func (r *Reconciler) lifecyclePlan(ctx context.Context, t *spec.Tenant) planner.TenantPlan {
	tp := planner.TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, DesiredHash: t.LayerHash(), Action: planner.ActionSkip}
	s, err := r.server(t.Server)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	stmts, err := lifecycleStatements(ctx, s.db, t)
	if err != nil {
		tp.Action, tp.Error = planner.ActionFailed, err.Error()
		return tp
	}
	if len(stmts) > 0 {
		tp.Action, tp.Statements = planner.ActionChange, stmts
	}
	return tp
}

// suspendStep locks the app user (when it exists): the application can no
// longer connect; the schema is not changed and data is kept.
func suspendStep(ctx context.Context, j *job) error {
	if err := j.runLifecycle(ctx, landlord.StatusSuspended); err != nil {
		return err
	}
	j.res.Outcome = OutcomeSuspended
	return nil
}

// decommissionStep drops the tenant's users and forgets their credentials;
// the database is dropped only when the tenant's own tenant.yaml approves
// "DROP DATABASE".
func decommissionStep(ctx context.Context, j *job) error {
	if err := j.runLifecycle(ctx, landlord.StatusDecommissioned); err != nil {
		return err
	}
	if err := j.r.store.DeleteCredentials(ctx, j.t.Name); err != nil {
		return err
	}
	j.res.Outcome = OutcomeDecommissioned
	return nil
}

// runLifecycle runs the tenant's lifecycle statements as planned, as the
// server's admin, through the executor migrations use (each recorded
// running before it runs); the run is opened when the status changes or
// something is left to run.
func (j *job) runLifecycle(ctx context.Context, to landlord.Status) error {
	j.plan.TenantPlan = j.r.lifecyclePlan(ctx, j.t)
	if j.plan.Action == planner.ActionFailed {
		return fmt.Errorf("reconciler: %s", j.plan.Error)
	}
	if j.rec.Status != to || len(j.plan.Statements) > 0 {
		if err := j.openRun(ctx); err != nil {
			return err
		}
	}
	j.admin = len(j.plan.Statements)
	return j.runStatements(ctx)
}

// account is user@host, quoted, for account management statements.
func account(user string) string { return ident.String(user) + "@" + ident.String(host) }
