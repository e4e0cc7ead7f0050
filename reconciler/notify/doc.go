// Package notify tells people when the fleet needs them: a tenant failed,
// waits for an approval, drifted; a rollout finished or halted; the config
// repo's newest commit is invalid.
//
// The daemon (and strata plan/apply --notify) Report events as they find
// them; Report never blocks. The Notifier keeps one open problem per
// tenant and kind: an event equal to the open one is dropped, a changed one
// is told again, and a Resolved event tells that it cleared (only when it
// was open). With a State (the landlord) the open problems survive a
// restart.
//
// Each receiver (notify: in strata.yaml) has its own goroutine and bounded
// queue: events that arrive within Options.Window go out as one message
// ("37 tenants failed: ..."), delivery is retried with exponential backoff,
// and a receiver that is down or slow only fills its own queue, whose
// overflow is counted and dropped. URLs, headers and SMTP credentials are
// read from the environment when a receiver is configured and never appear
// in a log line or an error.
package notify
