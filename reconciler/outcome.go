package reconciler

import (
	"errors"
	"fmt"
)

// Kind says what an unfinished tenant asks of whoever tries it again. It is
// decided where the failure happens and carried as a typed error, so callers
// (the daemon's retry loop, exit codes) choose with errors.As and never by
// reading a message.
type Kind string

// Kinds of an unfinished tenant.
const (
	// KindTransient goes away by itself (a lost connection, a lock wait, a
	// deadlock, a server restart): back off and retry.
	KindTransient Kind = "transient"
	// KindStalled repeats until the spec or the database changes (a layer
	// statement the server rejects, an unknown server, no secret key):
	// retrying is pointless until a new commit.
	KindStalled Kind = "stalled"
	// KindWaiting needs a person: an approval in Git, or drift the
	// strategy reports instead of repairing. Visible, never retried with
	// backoff.
	KindWaiting Kind = "waiting"
)

// TransientError is a failure that goes away by itself.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }
func (e *TransientError) kind() Kind    { return KindTransient }

// StalledError is a failure that repeats until the spec or the database changes.
type StalledError struct{ Err error }

func (e *StalledError) Error() string { return e.Err.Error() }
func (e *StalledError) Unwrap() error { return e.Err }
func (e *StalledError) kind() Kind    { return KindStalled }

// WaitingError is an unfinished tenant that waits for a person: Reason says
// for what ("DROP COLUMN members.fax awaits approval", "drifted: strategy
// report repairs nothing").
type WaitingError struct{ Reason string }

func (e *WaitingError) Error() string { return e.Reason }
func (e *WaitingError) kind() Kind    { return KindWaiting }

// kinded is implemented by the three typed errors.
type kinded interface{ kind() Kind }

// Transient wraps err as a TransientError (nil stays nil).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return &TransientError{Err: err}
}

// Stalled wraps err as a StalledError (nil stays nil).
func Stalled(err error) error {
	if err == nil {
		return nil
	}
	return &StalledError{Err: err}
}

// Waiting returns a WaitingError with the reason made by fmt.Sprintf.
func Waiting(format string, args ...any) error {
	return &WaitingError{Reason: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err: the outermost typed error in its chain
// decides. An error nothing classified is transient, so an unforeseen
// failure is retried with a capped backoff rather than stalled for good.
func KindOf(err error) Kind {
	// errors.As sees inside errors.Join too (layers join a composition's
	// errors) and finds the outermost typed error first.
	var k kinded
	if errors.As(err, &k) {
		return k.kind()
	}
	return KindTransient
}
