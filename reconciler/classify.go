package reconciler

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/planner"

	"github.com/stratadb/strata/reconciler/secret"
)

// ErrLocked is the failure of a tenant skipped because another strata run
// holds its lock (transient: the other run ends).
var ErrLocked = errors.New("another strata run holds this tenant's lock; skipped")

// ErrInterrupted is the failure of a tenant strata stopped working on when
// asked to stop (transient: the next apply continues from the live schema).
var ErrInterrupted = errors.New("interrupted: strata was asked to stop; the next apply continues from the live schema")

// interrupted returns ErrInterrupted typed transient, with where and why.
func interrupted(ctx context.Context, where string) error {
	return Transient(fmt.Errorf("%w (%s: %v)", ErrInterrupted, where, context.Cause(ctx)))
}

// transientCodes are MySQL/MariaDB errors that go away by themselves:
// connections, lock waits, deadlocks, server restarts.
var transientCodes = map[uint16]bool{
	1040: true,                         // too many connections
	1053: true,                         // server shutdown in progress
	1159: true, 1160: true, 1161: true, // network read/write timeouts
	1205: true,                                     // lock wait timeout
	1213: true,                                     // deadlock
	1927: true,                                     // connection killed
	1969: true,                                     // statement timeout
	2002: true, 2003: true, 2006: true, 2013: true, // cannot connect, gone away, lost connection
	4031: true, // disconnected for inactivity
}

// classify returns the kind of err from its type: an error already typed
// keeps its kind; a server error by its number (a statement the server
// rejects repeats until the spec or the database changes); a missing or
// wrong secret key stalls; anything else (lost connections, cancelled
// contexts, the unforeseen) is transient, retried with a capped backoff
// rather than stalled for good.
func classify(err error) Kind {
	var k kinded
	if errors.As(err, &k) {
		return k.kind()
	}
	var (
		me *mysql.MySQLError
		ue *planner.UnplannableError
	)
	switch {
	case errors.As(err, &me):
		if !transientCodes[me.Number] {
			return KindStalled
		}
	case errors.Is(err, secret.ErrNoKey), errors.Is(err, secret.ErrWrongKey):
		return KindStalled
	case errors.As(err, &ue) && !lost(err):
		return KindStalled
	}
	return KindTransient
}

// planError returns the failure of tp typed (see classify): what the
// planner could not plan stalls; a lost connection stays transient.
func planError(tp planner.TenantPlan) error {
	err := tp.Err
	if err == nil {
		err = errors.New(tp.Error)
	}
	return classified(err)
}

// lost reports whether err is a lost connection or a cancelled context.
func lost(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn)
}

// classified returns err typed with its kind (see classify); nil stays nil,
// and an error already typed is returned as is.
func classified(err error) error {
	if err == nil {
		return nil
	}
	var k kinded
	if errors.As(err, &k) {
		return err
	}
	if classify(err) == KindStalled {
		return Stalled(err)
	}
	return Transient(err)
}
