package layers

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/spec/ident"
)

// limits confine the layer statements of a composition. Layer SQL comes
// from pull requests and is composed before anyone has reviewed it.
type limits struct {
	// server is the dev server's connection settings; with them layer
	// statements run as a user made for one scratch database (confine).
	server  *mysql.Config
	timeout time.Duration // max_statement_time of each layer statement
}

// layerPrivileges are what composing table DDL needs on the scratch
// database (ALTER and RENAME TABLE need INSERT and CREATE on the new table;
// CREATE TABLE ... LIKE reads the old one). No global privilege (FILE,
// PROCESS, SUPER), nothing on another database.
const layerPrivileges = "SELECT, INSERT, CREATE, ALTER, DROP, INDEX, REFERENCES"

// needPrivileges says why creating the scratch user may fail.
const needPrivileges = "strata composes layer SQL as a user confined to the scratch database; the dev server's user needs the CREATE USER privilege and " + layerPrivileges + " WITH GRANT OPTION on *.*"

// confined is a user made for one scratch database.
type confined struct {
	name, host string
	db         *sql.DB // the user's own pool, closed on drop
}

// confine creates a user named like the scratch database, with a random
// password, the statement time limit and layerPrivileges on that database
// only, and returns it with a connection of it whose current database is
// the scratch database. The user is created at the host the dev server sees
// this process connect from, so an anonymous ”@host account cannot shadow it.
// On error the returned user (when not nil) still has to be dropped.
func confine(ctx context.Context, admin *sql.Conn, lim limits, database string) (*confined, *sql.Conn, error) {
	var account string
	if err := admin.QueryRowContext(ctx, "SELECT USER()").Scan(&account); err != nil {
		return nil, nil, serverError("read the dev connection's host", err)
	}
	_, host, _ := strings.Cut(account, "@")
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, nil, fmt.Errorf("layers: scratch user password: %w", err)
	}
	password := hex.EncodeToString(b[:])
	u := &confined{name: database, host: host}
	create := fmt.Sprintf("CREATE USER %s IDENTIFIED BY %s WITH MAX_STATEMENT_TIME %.3f MAX_USER_CONNECTIONS 2",
		u.account(), ident.String(password), lim.timeout.Seconds())
	if _, err := admin.ExecContext(ctx, create); err != nil {
		return nil, nil, fmt.Errorf("layers: create the scratch user on the dev server: %w (%s)", err, needPrivileges)
	}
	grant := fmt.Sprintf("GRANT %s ON %s.* TO %s", layerPrivileges, ident.GrantDB(database), u.account())
	if _, err := admin.ExecContext(ctx, grant); err != nil {
		return u, nil, fmt.Errorf("layers: grant the scratch user its database: %w (%s)", err, needPrivileges)
	}
	cfg := lim.server.Clone()
	cfg.User, cfg.Passwd, cfg.DBName = u.name, password, database
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return u, nil, fmt.Errorf("layers: scratch user: %w", err)
	}
	u.db = sql.OpenDB(connector)
	conn, err := u.db.Conn(ctx)
	if err != nil {
		return u, nil, serverError("connect as the scratch user", err)
	}
	return u, conn, nil
}

// account is the user's 'name'@'host'.
func (u *confined) account() string { return ident.String(u.name) + "@" + ident.String(u.host) }

// drop closes the user's pool and drops the user.
func (u *confined) drop(ctx context.Context, admin *sql.DB) error {
	if u.db != nil {
		u.db.Close()
	}
	if _, err := admin.ExecContext(ctx, "DROP USER IF EXISTS "+u.account()); err != nil {
		return fmt.Errorf("layers: drop scratch user %s: %w", u.name, err)
	}
	return nil
}
