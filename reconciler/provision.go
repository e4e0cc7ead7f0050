package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec/ident"
)

// created is what one provisioning run made, so a failure can drop it again.
type created struct {
	database bool
	roles    []landlord.Role // users created, with their stored credentials
}

// provision makes sure j's database, app user and migrator user exist with
// their grants and stored credentials, and returns the migrator's password.
// A new database comes with its missing users, and a failure drops
// whatever it created itself; the users it finds are put in place by
// statements of the plan (repairUsers).
func (j *job) provision(ctx context.Context) (migratorPassword string, err error) {
	// A database the pass found stands, as its schema does, while the
	// pass still describes the tenant.
	exists := false
	if p := j.current(ctx); p != nil {
		_, exists = p.live.fingerprint(j.t)
	}
	if !exists {
		if exists, err = databaseExists(ctx, j.srv.db, j.t.Database); err != nil {
			return "", err
		}
	}
	if exists {
		have, err := j.accounts(ctx)
		if err != nil {
			return "", err
		}
		return j.repairUsers(ctx, have, map[landlord.Role]string{}) // userrepair.go
	}
	if j.r.box == nil {
		return "", fmt.Errorf("reconciler: cannot provision %s: %w", j.t.Name, secret.ErrNoKey)
	}
	var c created
	queued := len(j.pending)
	defer func() {
		if err != nil {
			// The credentials it queued are of users it drops again.
			j.pending = j.pending[:min(queued, len(j.pending))]
			j.rollback(context.WithoutCancel(ctx), c)
		}
	}()
	j.openRunLater()
	j.rec.Status = landlord.StatusProvisioning
	rec := j.rec
	if err := j.flush(ctx, func(ctx context.Context, s *landlord.Store) error { return s.PutTenant(ctx, rec) }); err != nil {
		return "", err
	}
	c.database, err = layers.CreateDatabase(ctx, j.srv.db, j.t.Database, j.r.charset, j.r.collation)
	if err != nil {
		return "", fmt.Errorf("reconciler: %w", err)
	}
	j.res.Provisioned = true
	j.log.Info("created database")
	// Users of a database dropped by hand may still be there: the missing
	// ones come with the database, the others are put in place as an
	// existing database's are.
	have, err := j.accounts(ctx)
	if err != nil {
		return "", err
	}
	pws := map[landlord.Role]string{}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		if have[role].exists {
			continue
		}
		if have[role], pws[role], err = j.newUser(ctx, role); err != nil {
			return "", err
		}
		c.roles = append(c.roles, role)
	}
	if migratorPassword, err = j.repairUsers(ctx, have, pws); err != nil {
		return "", err
	}
	// The new users' credentials, with any record that waited; a failure
	// drops what this run created (the deferred rollback).
	return migratorPassword, j.flush(ctx)
}

// grants are the privileges of each tenant user on its database only.
var grants = map[landlord.Role]string{
	landlord.RoleApp:      "SELECT, INSERT, UPDATE, DELETE",
	landlord.RoleMigrator: "ALL PRIVILEGES",
}

// tenantUser is what the server and the landlord hold of one tenant user.
type tenantUser struct {
	exists  bool                 // in mysql.user
	locked  bool                 // its account is locked (the tenant was suspended)
	granted bool                 // holds at least its privileges on the tenant database
	cred    *landlord.Credential // stored password; nil when none
	auth    string               // its mysql_native_password hash (hostAccounts.auth); "" when unknown
	changed bool                 // its password is not the stored one (changedPasswords)
}

// stored reports whether the user, named user, exists with its password stored.
func (u tenantUser) stored(user string) bool {
	return u.exists && u.cred != nil && u.cred.User == user
}

// newUser creates the tenant user of role with a new password and its
// grant, and returns it as it now is and its password. Its credential is
// stored with the next record (by the end of provision); should strata die
// first, the next run finds the user without a stored password and gives
// it a new one.
func (j *job) newUser(ctx context.Context, role landlord.Role) (tenantUser, string, error) {
	user := userName(j.t.Database, role)
	pw, err := password()
	if err != nil {
		return tenantUser{}, "", err
	}
	sealed, err := j.r.box.Seal(pw, sealContext(j.t.Name, role))
	if err != nil {
		return tenantUser{}, "", err
	}
	granted, err := createUser(ctx, j.srv.db, j.t.Database, role, pw)
	if err != nil {
		return tenantUser{}, "", err
	}
	if !granted {
		if _, err := j.srv.db.ExecContext(ctx, grantTo(j.t.Database, role)); err != nil {
			return tenantUser{}, "", fmt.Errorf("reconciler: grant %s to %s: %w", grants[role], user, err)
		}
	}
	j.log.Info("created user", "user", user)
	cred := landlord.Credential{Tenant: j.t.Name, Role: role, User: user, Sealed: sealed}
	j.later(func(ctx context.Context, s *landlord.Store) error { return s.PutCredential(ctx, cred) }, nil)
	return tenantUser{exists: true, granted: true, cred: &cred}, pw, nil
}

// createUser creates the tenant user of role on database with password pw
// and, on MariaDB, its grant in the same statement (granted true). CREATE
// USER makes MariaDB look for the new name in every grant table and list,
// so it costs the server more with every tenant user it has (4.6 ms of CPU
// a user with 10,000 users, against 1.0 ms at 2,000); a GRANT that creates
// the user skips that search. The tenant's lock is held and the user was
// just found missing, so the GRANT creates it rather than changing
// another's password. MySQL, where a GRANT cannot create a user (and SET
// STATEMENT is a parse error), gets CREATE USER and the caller's GRANT.
func createUser(ctx context.Context, db *sql.DB, database string, role landlord.Role, pw string) (granted bool, err error) {
	user := userName(database, role)
	// The password goes in the statement; the errors below never quote it.
	_, err = db.ExecContext(ctx, "SET STATEMENT sql_mode = '' FOR "+grantTo(database, role)+" IDENTIFIED BY "+ident.String(pw))
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1064 { // 1064: parse error, not MariaDB
		if err != nil {
			return false, fmt.Errorf("reconciler: create user %s with its grant: %w", user, redact(err))
		}
		return true, nil
	}
	if _, err := db.ExecContext(ctx, "CREATE USER "+account(user)+" IDENTIFIED BY "+ident.String(pw)); err != nil {
		return false, fmt.Errorf("reconciler: create user %s: %w", user, redact(err))
	}
	return false, nil
}

// grantTo is the GRANT of role's privileges on database to its user.
func grantTo(database string, role landlord.Role) string {
	return "GRANT " + grants[role] + " ON " + ident.GrantDB(database) + ".* TO " + account(userName(database, role))
}

// rollback drops what a failed provisioning created: the users it created
// and their credentials, never another user's (a pre-existing user's
// password stays readable).
func (j *job) rollback(ctx context.Context, c created) {
	for _, role := range c.roles {
		u := userName(j.t.Database, role)
		if _, err := j.srv.db.ExecContext(ctx, "DROP USER IF EXISTS "+account(u)); err != nil {
			j.log.Error("rollback: drop user", "user", u, "err", err)
		}
		if err := j.r.store.DeleteCredential(ctx, j.t.Name, role); err != nil {
			j.log.Error("rollback: delete credential", "role", role, "err", err)
		}
	}
	if c.database {
		if _, err := j.srv.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident.Quote(j.t.Database)); err != nil {
			j.log.Error("rollback: drop database", "err", err)
		}
	}
}

// redact keeps a server error's number but not its text, which could echo
// the statement and so the password.
func redact(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		// Typed, so the failure is classified by its number (classify.go).
		return &mysql.MySQLError{Number: me.Number, SQLState: me.SQLState, Message: "(server message withheld: it may quote the password)"}
	}
	return errors.New("statement failed")
}

func databaseExists(ctx context.Context, db *sql.DB, database string) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", database).Scan(&n); err != nil {
		return false, fmt.Errorf("reconciler: look up database %s: %w", database, err)
	}
	return n > 0, nil
}

// migratorSQLMode is the migrator session's sql_mode, whatever the server's
// or the configured DSN's: strict, so a change that does not fit the data
// (narrowing a column below a stored value) fails instead of truncating,
// plus the rest of MariaDB's default. NO_AUTO_CREATE_USER is set only on
// MariaDB (MySQL 8 removed it). Without NO_BACKSLASH_ESCAPES, as
// seed.Quote's literals require.
const migratorSQLMode = "IF(VERSION() LIKE '%MariaDB%'," +
	" 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_CREATE_USER'," +
	" 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION')"

// openAs connects to the tenant database on s as user, with migratorSQLMode
// and s's lock_wait_timeout: a schema change that waits for a metadata lock
// makes every later query on its table wait behind it, so it gives up soon
// (lockwait.go) instead of after the server's default of a day.
func openAs(s *server, user, password, database string) (*sql.DB, error) {
	cfg := interpolated(s.cfg) // a seed's marker: one round trip, not a prepared statement
	cfg.User, cfg.Passwd, cfg.DBName = user, password, database
	cfg.MultiStatements = false
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = migratorSQLMode // sent as SET sql_mode=<value> on connect
	if s.lockWait > 0 {
		cfg.Params["lock_wait_timeout"] = strconv.Itoa(int(math.Ceil(s.lockWait.Seconds())))
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("reconciler: connect as %s: %w", user, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	return db, nil
}
