package reconciler

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// queryUsers runs "SELECT user<cols> FROM <table> WHERE <where>" on MariaDB's
// mysql.global_priv, or on mysql.user where the server has none (MySQL,
// error 1146). MariaDB's mysql.user is a view that computes some fifty
// columns from global_priv's JSON for each row: the table costs the server
// a quarter as much a query. The two tables name an account's lock
// differently, so each caller gives its own columns and conditions.
func queryUsers(ctx context.Context, db *sql.DB, mariadb, mysqlOnly string, args ...any) (*sql.Rows, error) {
	rows, err := db.QueryContext(ctx, "SELECT user"+mariadb, args...)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1146 {
		rows, err = db.QueryContext(ctx, "SELECT user"+mysqlOnly, args...)
	}
	return rows, err
}

// privileges is what one mysql.db row grants on its database: the app
// user's four privileges (app), and every privilege column but Grant_priv,
// which is what ALL PRIVILEGES sets (all).
type privileges struct{ app, all bool }

// cover reports whether p holds at least role's privileges.
func (p privileges) cover(role landlord.Role) bool {
	if role == landlord.RoleApp {
		return p.app
	}
	return p.all
}

// grantKey keys a mysql.db row by its user and database pattern.
func grantKey(user, dbPattern string) string { return user + "\x00" + dbPattern }

// readGrants scans mysql.db rows (SELECT *: its privilege columns differ
// between versions) into what each grants, by grantKey.
func readGrants(rows *sql.Rows) (map[string]privileges, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]privileges{}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var user, db string
		p := privileges{app: true, all: true}
		for i, c := range cols {
			c, v := strings.ToLower(c), vals[i].String
			switch {
			case c == "user":
				user = v
			case c == "db":
				db = v
			case strings.HasSuffix(c, "_priv") && c != "grant_priv" && v != "Y":
				p.all = false
				if appPrivileges[c] {
					p.app = false
				}
			}
		}
		out[grantKey(user, db)] = p
	}
	return out, rows.Err()
}

// appPrivileges are the mysql.db columns the app user's grant sets.
var appPrivileges = map[string]bool{"select_priv": true, "insert_priv": true, "update_priv": true, "delete_priv": true}

// hostAccounts is what a server holds of tenant-host accounts, read in two
// queries: which exist and are locked, and their database grants. A pass
// reads every one of the server's (readLive); an apply that cannot rely on
// the pass reads its tenant's two.
type hostAccounts struct {
	locked map[string]bool   // every account read: whether it is locked
	auth   map[string]string // the mysql_native_password hash of those that use it: MariaDB's only
	grants map[string]privileges
}

// readTenantAccounts reads t's two users from db.
func readTenantAccounts(ctx context.Context, db *sql.DB, t *spec.Tenant) (*hostAccounts, error) {
	a, err := readHostAccounts(ctx, db, userName(t.Database, landlord.RoleApp), userName(t.Database, landlord.RoleMigrator))
	if err != nil {
		return nil, fmt.Errorf("reconciler: look up the users of %s: %w", t.Name, err)
	}
	return a, nil
}

// readHostAccounts reads the tenant-host accounts named users from db, or
// all of them when users is empty.
func readHostAccounts(ctx context.Context, db *sql.DB, users ...string) (*hostAccounts, error) {
	where, args := " WHERE host = ?", []any{host}
	if len(users) > 0 {
		where += " AND user IN (?" + strings.Repeat(", ?", len(users)-1) + ")"
		for _, u := range users {
			args = append(args, u)
		}
	}
	rows, err := queryUsers(ctx, db,
		", JSON_VALUE(priv, '$.account_locked') IN ('1', 'true'), JSON_VALUE(priv, '$.plugin'), JSON_VALUE(priv, '$.authentication_string'), JSON_EXISTS(priv, '$.auth_or') FROM mysql.global_priv"+where,
		", account_locked = 'Y', NULL, NULL, 0 FROM mysql.user"+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	a := &hostAccounts{locked: map[string]bool{}, auth: map[string]string{}}
	defer rows.Close()
	for rows.Next() {
		var u string
		var locked, alternatives sql.NullBool
		var plugin, authString sql.NullString
		if err := rows.Scan(&u, &locked, &plugin, &authString, &alternatives); err != nil {
			return nil, fmt.Errorf("read accounts: %w", err)
		}
		a.locked[u] = locked.Bool
		// Only what strata sets can be compared: another plugin (set by a
		// DBA, or what IDENTIFIED BY gives on some other server) stays unknown.
		if !alternatives.Bool && plugin.String == nativePlugin {
			a.auth[u] = authString.String
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	rows, err = db.QueryContext(ctx, "SELECT * FROM mysql.db"+where, args...)
	if err == nil {
		a.grants, err = readGrants(rows)
	}
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return a, nil
}

// nativePlugin is the plugin IDENTIFIED BY sets on MariaDB.
const nativePlugin = "mysql_native_password"

// nativeHash is the authentication string nativePlugin keeps for password
// pw: SHA1(SHA1(pw)) in upper-case hex after a star.
func nativeHash(pw string) string {
	inner := sha1.Sum([]byte(pw))
	outer := sha1.Sum(inner[:])
	return "*" + strings.ToUpper(hex.EncodeToString(outer[:]))
}

// tenantUsers is what a and creds hold of database's two users.
func tenantUsers(database string, a *hostAccounts, creds map[landlord.Role]*landlord.Credential) map[landlord.Role]tenantUser {
	pattern := ident.GrantPattern(database)
	out := map[landlord.Role]tenantUser{}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		user := userName(database, role)
		locked, exists := a.locked[user]
		out[role] = tenantUser{exists: exists, locked: locked, granted: a.grants[grantKey(user, pattern)].cover(role), cred: creds[role], auth: a.auth[user]}
	}
	return out
}

// accounts looks up both tenant users: existence, database privileges (as
// the escaped GRANT wrote them to mysql.db) and stored credentials. While
// the pass still describes the tenant (freshSincePass), what it read
// stands where it shows both users in place: strata writes credentials
// only in runs it records first, and a user dropped by hand since the pass
// is, as a table changed by hand since, for the next pass to find.
// Anything else is asked of the server now (usersOf).
func (j *job) accounts(ctx context.Context) (map[landlord.Role]tenantUser, error) {
	var live *liveState
	if p := j.current(ctx); p != nil {
		live = p.live
	}
	return j.r.usersOf(ctx, j.srv, j.t, live, true)
}
