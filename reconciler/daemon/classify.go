package daemon

import (
	"github.com/stratadb/strata/reconciler"
)

// Class is what a tenant's last attempt asks of the loop.
type Class string

// Classes of an attempt's result.
const (
	ClassOK        Class = "ok"        // converged (or suspended/decommissioned as asked)
	ClassTransient Class = "transient" // retried with exponential backoff and jitter
	ClassStalled   Class = "stalled"   // repeats until the spec changes; tried again at the next drift sweep
	ClassBlocked   Class = "blocked"   // waits for an approval in Git
	ClassWaiting   Class = "waiting"   // waits for a person (drift the strategy reports); looked at again by the drift sweep
	ClassLocked    Class = "locked"    // another strata holds the tenant: retried shortly
	ClassHeld      Class = "held"      // an operator paused it: not tried until resumed
)

// Classify maps one tenant's apply result to a Class, from its outcome and
// the kind of its typed error (reconciler.KindOf); no message is read. An
// unclassified failure is transient, so it is retried with a capped backoff
// rather than stalled for good.
func Classify(tr reconciler.TenantResult) Class {
	switch tr.Outcome {
	case reconciler.OutcomeConverged, reconciler.OutcomeSuspended, reconciler.OutcomeDecommissioned:
		return ClassOK
	case reconciler.OutcomeBlocked:
		return ClassBlocked
	case reconciler.OutcomeLocked:
		return ClassLocked
	case reconciler.OutcomeDrifted:
		return ClassWaiting
	case reconciler.OutcomeHeld:
		return ClassHeld
	}
	switch reconciler.KindOf(tr.Err) {
	case reconciler.KindStalled:
		return ClassStalled
	case reconciler.KindWaiting:
		return ClassWaiting
	}
	return ClassTransient
}
