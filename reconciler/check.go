package reconciler

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// checkTimeout bounds a post-wave check on one tenant.
const checkTimeout = 10 * time.Second

// Check runs the post-wave check query (rollout.check, validated as one
// read-only SELECT) on tenant's database as its app user, in a READ ONLY
// transaction with a statement time limit, so it can neither write nor read
// another tenant. It returns nil when the first column of the first row is
// true (non-zero, non-NULL), a stalled error saying what it returned
// otherwise.
func (r *Reconciler) Check(ctx context.Context, tenant, query string) error {
	dsn, err := r.Credentials(ctx, tenant)
	if err != nil {
		return err
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("reconciler: check %s: %w", tenant, err)
	}
	cfg.Timeout = checkTimeout
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return fmt.Errorf("reconciler: check %s: %w", tenant, err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return classified(fmt.Errorf("reconciler: check %s: connect: %w", tenant, err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION max_statement_time = %d", int(checkTimeout.Seconds()))); err != nil {
		return classified(fmt.Errorf("reconciler: check %s: %w", tenant, err))
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classified(fmt.Errorf("reconciler: check %s: %w", tenant, err))
	}
	defer tx.Rollback()
	v, err := firstValue(ctx, tx, query)
	if err != nil {
		return Stalled(fmt.Errorf("post-wave check on %s: %w", tenant, err))
	}
	if !v.Valid || v.String == "" || v.String == "0" {
		got := "NULL"
		if v.Valid {
			got = fmt.Sprintf("%q", v.String)
		}
		return Stalled(fmt.Errorf("post-wave check on %s returned %s, not true", tenant, got))
	}
	return nil
}

// firstValue returns the first column of the first row of query (NULL when
// it returns no row).
func firstValue(ctx context.Context, tx *sql.Tx, query string) (sql.NullString, error) {
	var v sql.NullString
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return v, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return v, err
	}
	if rows.Next() {
		dest := make([]any, len(cols))
		dest[0] = &v
		for i := 1; i < len(dest); i++ {
			dest[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(dest...); err != nil {
			return v, err
		}
	}
	return v, rows.Err()
}
