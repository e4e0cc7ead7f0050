package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/stratadb/strata/planner/drift"
)

// Kind is what an event is about; the names are notify: events in strata.yaml.
type Kind string

// Kinds of events.
const (
	TenantFailed    Kind = "tenant_failed"    // stalled, or failing transiently again and again
	TenantBlocked   Kind = "tenant_blocked"   // waits for an approval in Git
	Drift           Kind = "drift"            // the drift sweep found drift at some severity
	RolloutFinished Kind = "rollout_finished" // every tenant of a commit reached its end
	RolloutHalted   Kind = "rollout_halted"   // a rollout stopped before its end
	ConfigInvalid   Kind = "config_invalid"   // the newest commit of the config repo does not validate
)

// Kinds lists every kind, in the order a message tells them.
var Kinds = []Kind{ConfigInvalid, RolloutHalted, TenantFailed, TenantBlocked, Drift, RolloutFinished}

// Event is one thing to tell. Tenant is empty for fleet events (rollout,
// config). Together Kind and Tenant name the problem; Severity and Detail
// (and Commit for rollouts) say what it is now, so the same problem told
// twice is dropped and a changed one is told again.
type Event struct {
	Kind     Kind              `json:"kind"`
	Tenant   string            `json:"tenant,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"` // the tenant's, for receivers' selectors
	Commit   string            `json:"commit,omitempty"`
	Severity drift.Severity    `json:"severity,omitempty"` // drift
	// Detail says what is wrong: the error, the approvals awaited, the
	// validation errors, a rollout's counts.
	Detail   string    `json:"detail,omitempty"`
	Resolved bool      `json:"resolved,omitempty"` // the problem cleared
	At       time.Time `json:"at"`
}

// key names the problem: one open per tenant and kind.
func (e Event) key() string { return string(e.Kind) + "/" + e.Tenant }

// fingerprint says what the problem is now; the severity leads it so a
// resolved drift can be routed by the severity it had.
func (e Event) fingerprint() string {
	h := sha256.New()
	switch e.Kind {
	case RolloutFinished:
		// A commit's rollout ends once: a restarted daemon that walks the
		// commit again, and counts a tenant now waiting on its drift, tells
		// the drift, not the end again.
		h.Write([]byte(e.Commit))
	case RolloutHalted:
		h.Write([]byte(e.Detail + "\x00" + e.Commit)) // each commit's rollout is its own
	default:
		h.Write([]byte(e.Detail))
	}
	return string(e.Severity) + ":" + hex.EncodeToString(h.Sum(nil)[:12])
}

// severityOf returns the severity a fingerprint starts with.
func severityOf(fp string) drift.Severity {
	for i := range len(fp) {
		if fp[i] == ':' {
			return drift.Severity(fp[:i])
		}
	}
	return ""
}

// rank orders drift severities; unknown ones rank lowest.
func rank(s drift.Severity) int {
	switch s {
	case drift.Low:
		return 1
	case drift.Medium:
		return 2
	case drift.High:
		return 3
	case drift.Critical:
		return 4
	}
	return 0
}
