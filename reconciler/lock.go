package reconciler

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// lockName is the advisory lock of a tenant database, within MariaDB's
// 64-character limit for lock names.
func lockName(database string) string {
	name := "strata:tenant:" + database
	if len(name) <= 64 {
		return name
	}
	sum := sha256.Sum256([]byte(database))
	return "strata:tenant:" + hex.EncodeToString(sum[:])[:48]
}

// lockTenant takes the tenant database's advisory lock on a dedicated
// connection of its server, without waiting. ok is false when another
// session holds it. unlock releases the lock and the connection.
func lockTenant(ctx context.Context, db *sql.DB, database string) (unlock func(), ok bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("reconciler: lock %s: %w", database, err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lockName(database)).Scan(&got); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("reconciler: lock %s: %w", database, err)
	}
	if got.Int64 != 1 {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// Release even when ctx is done; closing the connection would too.
		conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", lockName(database))
		conn.Close()
	}, true, nil
}
