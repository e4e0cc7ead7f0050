package layers

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// scratchLockName is the advisory lock a composer holds, on the connection
// that uses it, for as long as its scratch database exists: a scratch
// database whose lock is free was left behind by a killed process.
func scratchLockName(database string) string { return "strata:scratch:" + database }

// SweepScratch drops scratch databases and scratch users (named exactly as
// scratchName names them) on the dev server that no live composer holds
// (leftovers of a process killed mid-composition) and reports how many
// scratch databases or users it dropped. Each name is locked while it is
// dropped, so a composer on another host that is still using its own is
// never touched.
func SweepScratch(ctx context.Context, dev *sql.DB) (int, error) {
	like := strings.ReplaceAll(ScratchPrefix, "_", `\_`) + "%"
	hosts := map[string][]string{} // scratch name -> hosts of its users
	if err := scanNames(ctx, dev, hosts, "SELECT schema_name, NULL FROM information_schema.schemata WHERE schema_name LIKE ?", like); err != nil {
		return 0, fmt.Errorf("layers: list scratch databases: %w", err)
	}
	// Best effort: a dev user that may not read mysql.user has made no
	// scratch users either.
	_ = scanNames(ctx, dev, hosts, "SELECT User, Host FROM mysql.user WHERE User LIKE ?", like)
	dropped := 0
	for n, hs := range hosts {
		ok, err := dropIfAbandoned(ctx, dev, n, hs)
		if err != nil {
			return dropped, err
		}
		if ok {
			dropped++
		}
	}
	return dropped, nil
}

// scanNames adds the names (and hosts, when not NULL) q returns to hosts,
// keeping only names of the scratch shape.
func scanNames(ctx context.Context, dev *sql.DB, hosts map[string][]string, q string, args ...any) error {
	rows, err := dev.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		var host sql.NullString
		if err := rows.Scan(&n, &host); err != nil {
			return err
		}
		if !scratchPattern.MatchString(n) {
			continue
		}
		if host.Valid {
			hosts[n] = append(hosts[n], host.String)
		} else if _, ok := hosts[n]; !ok {
			hosts[n] = nil
		}
	}
	return rows.Err()
}

func dropIfAbandoned(ctx context.Context, dev *sql.DB, name string, hosts []string) (bool, error) {
	conn, err := dev.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("layers: dev server: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", scratchLockName(name)).Scan(&got); err != nil {
		return false, fmt.Errorf("layers: lock scratch database %s: %w", name, err)
	}
	if got.Int64 != 1 {
		return false, nil // a live composer is using it
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", scratchLockName(name))
	for _, h := range hosts {
		u := confined{name: name, host: h}
		if _, err := conn.ExecContext(ctx, "DROP USER IF EXISTS "+u.account()); err != nil {
			return false, fmt.Errorf("layers: drop abandoned scratch user %s: %w", name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
		return false, fmt.Errorf("layers: drop abandoned scratch database %s: %w", name, err)
	}
	return true, nil
}
