package daemon

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/stratadb/strata/reconciler"
)

// Class is what a tenant's last attempt asks of the loop.
type Class string

// Classes of an attempt's result.
const (
	ClassOK        Class = "ok"        // converged (or suspended/decommissioned as asked)
	ClassTransient Class = "transient" // retried with exponential backoff and jitter
	ClassTerminal  Class = "terminal"  // stalled until the spec changes or the next drift sweep
	ClassBlocked   Class = "blocked"   // waits for an approval in Git
	ClassLocked    Class = "locked"    // another strata holds the tenant: retried shortly
)

// Classify maps one tenant's apply result to a Class. Per-tenant errors
// reach the daemon as text (the landlord records them so), so this reads
// MySQL error numbers and known phrases; anything unrecognised is transient,
// which retries with a capped backoff rather than stalling a tenant for good.
func Classify(tr reconciler.TenantResult) Class {
	switch tr.Outcome {
	case reconciler.OutcomeConverged, reconciler.OutcomeSuspended, reconciler.OutcomeDecommissioned:
		return ClassOK
	case reconciler.OutcomeBlocked:
		return ClassBlocked
	case reconciler.OutcomeLocked:
		return ClassLocked
	}
	return classifyError(tr.Error)
}

// mysqlErr matches go-sql-driver's "Error 1064 (42000): ..." text and the
// reconciler's redacted "server error 1396".
var mysqlErr = regexp.MustCompile(`(?:Error|server error) (\d{4})`)

// layerErr matches a layer statement's "path.sql:12: ..." position.
var layerErr = regexp.MustCompile(`\.sql:\d+:`)

// transientCodes are MySQL/MariaDB errors that go away by themselves:
// connections, lock waits, deadlocks, server restarts.
var transientCodes = map[int]bool{
	1040: true,                         // too many connections
	1053: true,                         // server shutdown in progress
	1159: true, 1160: true, 1161: true, // network read/write timeouts
	1205: true,                                     // lock wait timeout
	1213: true,                                     // deadlock
	1927: true,                                     // connection killed
	2002: true, 2003: true, 2006: true, 2013: true, // cannot connect, gone away, lost connection
	4031: true, // disconnected for inactivity
}

// transientText are phrases of network and cancellation errors.
var transientText = []string{
	"invalid connection", "bad connection", "connection refused", "connection reset",
	"broken pipe", "i/o timeout", "context deadline exceeded", "context canceled",
	"not reached", "no such host", "unexpected eof", "too many connections",
}

// terminalText are phrases of errors only a change of spec or database fixes.
var terminalText = []string{
	"fix this statement", "verify:", "is not under servers", "refuses to provision",
	"no secret key", "access denied",
}

func classifyError(msg string) Class {
	low := strings.ToLower(msg)
	for _, m := range mysqlErr.FindAllStringSubmatch(msg, -1) {
		if code, _ := strconv.Atoi(m[1]); transientCodes[code] {
			return ClassTransient
		}
	}
	for _, s := range transientText {
		if strings.Contains(low, s) {
			return ClassTransient
		}
	}
	if mysqlErr.MatchString(msg) || layerErr.MatchString(msg) {
		return ClassTerminal // the server rejected a statement: retrying repeats it
	}
	for _, s := range terminalText {
		if strings.Contains(low, s) {
			return ClassTerminal
		}
	}
	return ClassTransient
}
