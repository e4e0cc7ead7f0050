package reconciler

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-sql-driver/mysql"
)

// errLockWaitTimeout is MariaDB's ER_LOCK_WAIT_TIMEOUT: on DDL, the
// statement waited lock_wait_timeout for a metadata lock and changed nothing.
const errLockWaitTimeout = 1205

// statementFailed returns, for plan statement i that failed with err, the
// error recorded on the statement and the error that fails the tenant. A
// lock wait timeout is transient (the holder finishes, the next run applies
// it) and both errors say which transaction held the lock and for how long,
// so an operator can find it.
func (j *job) statementFailed(ctx context.Context, i int, sql string, err error) (string, error) {
	failed := fmt.Errorf("statement %d of %d failed: %s: %w", i+1, len(j.plan.Statements), firstLine(sql), err)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != errLockWaitTimeout {
		return err.Error(), failed
	}
	note := j.lockHolder(ctx)
	j.log.Warn("schema change gave up waiting for a metadata lock; retried on the next run", "statement", firstLine(sql), "holder", note)
	return err.Error() + ": " + note, Transient(fmt.Errorf("%w: %s (retried on the next run)", failed, note))
}

// lockHolder describes the likely holder of the metadata lock a statement
// gave up waiting for: the oldest open transaction of a session using the
// tenant's database, else the oldest one on the server (MariaDB names the
// holder only with the metadata_lock_info plugin installed).
func (j *job) lockHolder(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var (
		age, id int64
		user    string
	)
	err := j.srv.db.QueryRowContext(ctx, `SELECT TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), p.ID, p.USER
FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
ORDER BY p.DB <=> ? DESC, t.trx_started LIMIT 1`, j.t.Database).Scan(&age, &id, &user)
	if err != nil {
		j.log.Debug("look up the lock holder", "err", err)
		return fmt.Sprintf("waiting for a metadata lock held by another session (gave up after lock_wait_timeout %s)", j.srv.lockWait)
	}
	return fmt.Sprintf("waiting for a metadata lock held by a transaction running for %d s (connection %d, user %s; gave up after lock_wait_timeout %s)", age, id, user, j.srv.lockWait)
}

// boundedConn returns a connection of s's admin pool whose session gives up
// a metadata-lock wait after s.lockWait, for the tenant DDL strata runs as
// the admin (DROP DATABASE waits for every open transaction on the tenant's
// tables, and the application's queries queue behind it). put returns it to
// the pool with the server's default again, or discards it when that fails.
func (s *server) boundedConn(ctx context.Context) (conn *sql.Conn, put func(), err error) {
	conn, err = s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reconciler: server %s: %w", s.name, err)
	}
	secs := int(math.Ceil(s.lockWait.Seconds()))
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", max(secs, 1))); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("reconciler: server %s: set lock_wait_timeout: %w", s.name, err)
	}
	return conn, func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = DEFAULT"); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}
