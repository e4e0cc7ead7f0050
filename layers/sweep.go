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

// SweepScratch drops scratch databases (named exactly as scratchName names
// them) on the dev server that no live
// composer holds (leftovers of a process killed mid-composition) and
// reports how many it dropped. Each is locked while it is dropped, so a
// composer on another host that is still using its own is never touched.
func SweepScratch(ctx context.Context, dev *sql.DB) (int, error) {
	rows, err := dev.QueryContext(ctx, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?",
		strings.ReplaceAll(ScratchPrefix, "_", `\_`)+"%")
	if err != nil {
		return 0, fmt.Errorf("layers: list scratch databases: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, fmt.Errorf("layers: list scratch databases: %w", err)
		}
		if scratchPattern.MatchString(n) {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("layers: list scratch databases: %w", err)
	}
	dropped := 0
	for _, n := range names {
		ok, err := dropIfAbandoned(ctx, dev, n)
		if err != nil {
			return dropped, err
		}
		if ok {
			dropped++
		}
	}
	return dropped, nil
}

func dropIfAbandoned(ctx context.Context, dev *sql.DB, name string) (bool, error) {
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
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
		return false, fmt.Errorf("layers: drop abandoned scratch database %s: %w", name, err)
	}
	return true, nil
}
