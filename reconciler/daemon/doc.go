// Package daemon is the loop behind `strata run`: it follows the config
// repo, validates every new commit, and keeps each tenant of its shard
// converged to the last valid commit.
//
// One loop goroutine owns all state. Every poll interval (with jitter), or
// when a watched directory changes, it syncs the Source; a commit that does
// not validate is reported (log, Status, metric) and the fleet keeps
// converging to the last valid commit. A valid commit starts a generation:
// its tenants are queued, those whose resolved spec changed first, then the
// rest (by wave, then name). The first worker of a generation prepares its
// pass (reconciler.Prepare: one read of every tenant's runs and baselines,
// one fingerprint pass per server); every worker then applies one tenant at
// a time through it, so a rollout reads the landlord O(N) and a slow tenant
// holds one worker and never the others.
//
// A tenant's result is classified from its outcome and the kind of its
// typed error (reconciler.KindOf; see Class), never from a message:
// transient failures are retried with exponential backoff and jitter;
// stalled ones wait until the spec changes or the next drift sweep (the
// database may have been fixed); blocked ones wait for an approval in Git;
// waiting ones (drift the strategy reports) wait for a person and are
// looked at again by the drift sweep. A tenant another strata holds
// the lock of is retried shortly, and skipped without a run once the
// landlord shows it converged at the same commit, so two daemons (or a
// restarted one) never redo each other's work.
//
// Each apply, once it holds the tenant's advisory lock, closes any run the
// landlord still shows as running (reconciler/lock.go): holding the lock
// proves its owner is gone (killed mid-apply), so the run is marked
// interrupted rather than left running forever.
//
// On ctx cancellation Run stops taking work, lets running applies finish
// for at most Options.Drain, then cancels them, closes every connection
// (releasing locks) and returns nil.
package daemon
