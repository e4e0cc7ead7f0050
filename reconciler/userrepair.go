package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// A tenant's users are put in place (created, given a password the
// landlord holds, granted their privileges, unlocked when the tenant is
// reactivated) by statements strata plan shows and apply records, each
// before it runs, as the first of the tenant's plan: run as the server's
// admin before anything needs the migrator. Neither the plan nor the
// landlord shows a password: a new one is stored, sealed, once its
// statement ran. The users a new database lacks come with it (action
// create, provision's newUser) and are not listed.

// withheld stands for the new password in a statement as planned and
// recorded; restored for the stored one a user is given back.
const (
	withheld = "'<new password>'"
	restored = "'<stored password>'"
)

// userStatement is a statement that puts one of a tenant's users in place.
type userStatement struct {
	planner.Statement        // as planned and recorded: a new password withheld
	run               string // what runs: with the new password
	role              landlord.Role
	sets              bool // it sets the user's password
}

// userStatements returns the statements that put database's users in place
// as users describes them, app user first; one that sets a password runs
// with pws[role] (withheld when pws has none: strata plan).
func userStatements(database string, users map[landlord.Role]tenantUser, pws map[landlord.Role]string) []userStatement {
	var out []userStatement
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		u, user := users[role], userName(database, role)
		setPassword := func(verb, comment string) userStatement {
			shown := withheld
			if verb == "ALTER" && u.changed {
				shown = restored
			}
			st := userStatement{role: role, sets: true, Statement: planner.Statement{
				SQL: verb + " USER " + account(user) + " IDENTIFIED BY " + shown, Kind: planner.Additive, Comment: comment}}
			st.run = st.SQL
			if pw, ok := pws[role]; ok {
				st.run = verb + " USER " + account(user) + " IDENTIFIED BY " + ident.String(pw)
			}
			return st
		}
		grant := userStatement{role: role, run: grantTo(database, role), Statement: planner.Statement{SQL: grantTo(database, role), Kind: planner.Additive,
			Comment: fmt.Sprintf("grant the %s user its privileges on the tenant database (%s)", role, grants[role])}}
		switch {
		case !u.exists:
			out = append(out, setPassword("CREATE", fmt.Sprintf("the %s user is missing on the server: created with a new password, stored in the landlord (strata credentials)", role)), grant)
			continue
		case !u.stored(user):
			out = append(out, setPassword("ALTER", fmt.Sprintf("the landlord holds no password of the %s user: it gets a new one, stored in the landlord (strata credentials)", role)))
		case u.changed:
			out = append(out, setPassword("ALTER", fmt.Sprintf("the %s user's password was changed on the server: it gets back the one the landlord holds (strata credentials)", role)))
		}
		if !u.granted {
			grant.Comment = fmt.Sprintf("the %s user lacks its privileges on the tenant database: granted %s again", role, grants[role])
			out = append(out, grant)
		}
		if u.locked && role == landlord.RoleApp {
			unlock := "ALTER USER " + account(user) + " ACCOUNT UNLOCK"
			out = append(out, userStatement{role: role, run: unlock, Statement: planner.Statement{SQL: unlock, Kind: planner.Additive,
				Comment: "reactivate: unlock the app user"}})
		}
	}
	return out
}

// prepend puts stmts, run as the server's admin, first in tp: a tenant
// otherwise in sync then changes.
func prepend(tp *planner.TenantPlan, stmts []planner.Statement) {
	if len(stmts) == 0 {
		return
	}
	tp.Statements = append(append([]planner.Statement(nil), stmts...), tp.Statements...)
	if tp.Action == planner.ActionNone {
		tp.Action = planner.ActionChange
	}
}

// withCreated is users as a new database comes with them: the missing ones
// created, granted, their passwords stored (provision's newUser).
func withCreated(database string, users map[landlord.Role]tenantUser) map[landlord.Role]tenantUser {
	out := map[landlord.Role]tenantUser{}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		out[role] = users[role]
		if !users[role].exists {
			out[role] = tenantUser{exists: true, granted: true, cred: &landlord.Credential{User: userName(database, role)}}
		}
	}
	return out
}

// User differences weigh like a table (high): the tenant's application or
// strata's migrations cannot work as they should. The app user missing is
// critical, as a database dropped is: the application cannot connect.
const (
	userDifference = 10
	appUserRemoved = 20
)

// userDrift names what differs in database's users from what strata made
// (a user dropped, a privilege revoked, a password the landlord lost), as
// differences of a drift sweep, weighted.
func userDrift(database string, users map[landlord.Role]tenantUser) []drift.Difference {
	var out []drift.Difference
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		u, user := users[role], userName(database, role)
		d := drift.Difference{Object: "user", Name: user, Change: drift.Modified, Weight: userDifference}
		switch {
		case !u.exists && role == landlord.RoleApp:
			d.Change, d.Weight = drift.Removed, appUserRemoved
		case !u.exists:
			d.Change = drift.Removed
		case !u.stored(user) && !u.granted:
			d.Detail = "privileges revoked; no password stored in the landlord"
		case !u.stored(user):
			d.Detail = "no password stored in the landlord"
		case u.changed && !u.granted:
			d.Detail = "privileges revoked; password changed on the server"
		case u.changed:
			d.Detail = "password changed on the server (not the one the landlord holds)"
		case !u.granted:
			d.Detail = "privileges revoked"
		default:
			continue
		}
		out = append(out, d)
	}
	return out
}

// plannedUsers returns the statements userStatements would run, as strata plan shows them.
func plannedUsers(database string, users map[landlord.Role]tenantUser) []planner.Statement {
	var out []planner.Statement
	for _, st := range userStatements(database, users, nil) {
		out = append(out, st.Statement)
	}
	return out
}

// usersOf returns what t's server and the landlord hold of its two users:
// what live read of them (strata plan reads it at one moment), or with
// confirm (what apply runs on it, what the drift sweep records) only where
// live shows both users in place. Otherwise the server is asked now, and
// then the landlord, so a password stored meanwhile with its user is seen
// with it.
func (r *Reconciler) usersOf(ctx context.Context, s *server, t *spec.Tenant, live *liveState, confirm bool) (map[landlord.Role]tenantUser, error) {
	if a, read := live.hostAccounts(t); read && live.credentials(t) != nil {
		out := tenantUsers(t.Database, a, live.credentials(t))
		if r.changedPasswords(t, out); !confirm || len(userDrift(t.Database, out)) == 0 {
			return out, nil
		}
	}
	a, err := readTenantAccounts(ctx, s.db, t)
	if err != nil {
		return nil, err
	}
	creds := map[landlord.Role]*landlord.Credential{} // no landlord yet: nothing stored
	if live == nil || !live.noLandlord {
		if creds, err = r.store.Credentials(ctx, t.Name); err != nil {
			return nil, err
		}
	}
	out := tenantUsers(t.Database, a, creds)
	r.changedPasswords(t, out)
	return out, nil
}

// changedPasswords marks the users whose live password is not the one the
// landlord holds (set by hand since). It knows only of users that
// authenticate as strata made them (mysql_native_password, MariaDB's
// mysql.global_priv): without the key, on MySQL, or for an account a DBA
// moved to another plugin, it marks none; a stored password the key cannot
// open fails the apply where it is needed.
func (r *Reconciler) changedPasswords(t *spec.Tenant, users map[landlord.Role]tenantUser) {
	if r.box == nil {
		return
	}
	for role, u := range users {
		if !u.stored(userName(t.Database, role)) || u.auth == "" {
			continue
		}
		if pw, err := r.box.Open(u.cred.Sealed, sealContext(t.Name, role)); err == nil {
			u.changed = u.auth != nativeHash(pw)
			users[role] = u
		}
	}
}

// repairUsers puts j's users, as have describes them, in place
// (userStatements), each statement recorded before it runs, and returns
// the migrator's password: pws's (a user provision just created), the
// stored one, or the new one it was given. The statements are the first of
// j's plan (planStep keeps them there).
func (j *job) repairUsers(ctx context.Context, have map[landlord.Role]tenantUser, pws map[landlord.Role]string) (migratorPassword string, err error) {
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		u := have[role]
		if _, known := pws[role]; known {
			continue
		}
		stored := u.stored(userName(j.t.Database, role))
		switch {
		case !stored && j.r.box == nil:
			return "", fmt.Errorf("reconciler: cannot store the %s password of %s: %w", role, j.t.Name, secret.ErrNoKey)
		case !stored:
			if pws[role], err = password(); err != nil {
				return "", err
			}
		case !u.changed && role != landlord.RoleMigrator:
			// The app's stored password is needed only to give it back.
		case j.r.box == nil:
			return "", fmt.Errorf("reconciler: %s: the %s password is stored encrypted: %w", j.t.Name, role, secret.ErrNoKey)
		default: // the migrator's, to connect; or one changed by hand, given back
			if pws[role], err = j.r.box.Open(u.cred.Sealed, sealContext(j.t.Name, role)); err != nil {
				return "", fmt.Errorf("reconciler: %s: %s password: %w", j.t.Name, role, err)
			}
		}
	}
	stmts := userStatements(j.t.Database, have, pws)
	if len(stmts) == 0 {
		return pws[landlord.RoleMigrator], nil
	}
	// Sealed before anything runs: once a statement ran, its password is
	// the user's and only needs storing.
	creds := map[landlord.Role]landlord.Credential{}
	for role, pw := range pws {
		if have[role].stored(userName(j.t.Database, role)) {
			continue
		}
		sealed, err := j.r.box.Seal(pw, sealContext(j.t.Name, role))
		if err != nil {
			return "", err
		}
		creds[role] = landlord.Credential{Tenant: j.t.Name, Role: role, User: userName(j.t.Database, role), Sealed: sealed}
	}
	j.plan.Action, j.plan.Statements, j.secret = planner.ActionChange, nil, nil
	for _, st := range stmts {
		j.plan.Statements = append(j.plan.Statements, st.Statement)
		j.secret = append(j.secret, st.run)
	}
	j.admin = len(stmts)
	j.openRunLater() // with the first statement's record, before it runs
	err = j.runStatements(ctx)
	// The new passwords of the statements that ran, stored even when the
	// apply was asked to stop: they are the users' now.
	var store []record
	for i, st := range stmts {
		// (A landlord write that failed ends runStatements early, with fewer records.)
		if cred, isNew := creds[st.role]; isNew && st.sets && i < len(j.res.Statements) && j.res.Statements[i].Outcome == landlord.StatementApplied {
			store = append(store, func(ctx context.Context, s *landlord.Store) error { return s.PutCredential(ctx, cred) })
		}
	}
	wctx, cancel := bounded(ctx)
	defer cancel()
	if err = errors.Join(err, j.flush(wctx, store...)); err != nil {
		return "", err
	}
	j.ran = len(stmts)
	return pws[landlord.RoleMigrator], nil
}
