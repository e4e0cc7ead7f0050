package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/landlord"
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
			case !strings.HasSuffix(c, "_priv") || c == "grant_priv" || v == "Y":
			case c == "select_priv" || c == "insert_priv" || c == "update_priv" || c == "delete_priv":
				p.app, p.all = false, false
			default:
				p.all = false
			}
		}
		out[grantKey(user, db)] = p
	}
	return out, rows.Err()
}

// hostAccounts is one server's tenant-host accounts as a pass read them,
// in two queries for the whole server: which exist and are locked, and
// their database grants.
type hostAccounts struct {
	locked map[string]bool // every account of the tenant host: whether it is locked
	grants map[string]privileges
}

// readHostAccounts reads db's tenant-host accounts and their grants.
func readHostAccounts(ctx context.Context, db *sql.DB) (*hostAccounts, error) {
	rows, err := queryUsers(ctx, db,
		", JSON_VALUE(priv, '$.account_locked') IN ('1', 'true') FROM mysql.global_priv WHERE host = ?",
		", account_locked = 'Y' FROM mysql.user WHERE host = ?", host)
	if err != nil {
		return nil, fmt.Errorf("reconciler: list the tenant accounts: %w", err)
	}
	a := &hostAccounts{locked: map[string]bool{}}
	defer rows.Close()
	for rows.Next() {
		var u string
		var locked sql.NullBool
		if err := rows.Scan(&u, &locked); err != nil {
			return nil, fmt.Errorf("reconciler: list the tenant accounts: %w", err)
		}
		a.locked[u] = locked.Bool
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reconciler: list the tenant accounts: %w", err)
	}
	rows, err = db.QueryContext(ctx, "SELECT * FROM mysql.db WHERE host = ?", host)
	if err == nil {
		a.grants, err = readGrants(rows)
	}
	if err != nil {
		return nil, fmt.Errorf("reconciler: list the tenant grants: %w", err)
	}
	return a, nil
}

// passAccounts returns both tenant users as the pass read them (ok true)
// when the pass still describes the tenant (freshSincePass) and shows each
// user present, granted and with its stored credential: an apply of a
// provisioned tenant then asks the server and the landlord nothing. A user
// dropped by hand since the pass is, as a table changed by hand since,
// for the next pass to find. Otherwise ok is false and accounts asks.
func (j *job) passAccounts(ctx context.Context) (map[landlord.Role]tenantUser, bool) {
	p := j.current(ctx)
	if p == nil || p.creds == nil {
		return nil, false
	}
	a, read := p.live.hostAccounts(j.t)
	if !read {
		return nil, false
	}
	pattern := ident.GrantPattern(j.t.Database)
	out := map[landlord.Role]tenantUser{}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		user := userName(j.t.Database, role)
		_, exists := a.locked[user]
		u := tenantUser{exists: exists, granted: a.grants[grantKey(user, pattern)].cover(role), cred: p.creds[j.t.Name][role]}
		if !u.exists || !u.granted || u.cred == nil || u.cred.User != user {
			return nil, false
		}
		out[role] = u
	}
	return out, true
}
