package reconciler

import (
	"github.com/stratadb/strata/reconciler/landlord"
)

// Event is what an apply reports as it happens, to Options.Listener: a
// tenant started or finished, a statement started, applied or failed, a
// seed file run. The set is sealed (event is unexported); switch on the
// concrete types.
type Event interface{ event() }

// TenantStarted: a worker took the tenant.
type TenantStarted struct{ Tenant string }

// StatementStarted: the statement is about to run (recorded running).
type StatementStarted struct {
	Tenant string
	Seq    int // 1-based, in the tenant's plan
	SQL    string
}

// StatementApplied: the statement ran.
type StatementApplied struct {
	Tenant string
	Record landlord.StatementRecord
}

// StatementFailed: the server rejected the statement (Record.Error says why).
type StatementFailed struct {
	Tenant string
	Record landlord.StatementRecord
}

// SeedRun: a seed file ran and was recorded.
type SeedRun struct{ Tenant, Path string }

// TenantFinished: the tenant's outcome, recorded in the landlord.
type TenantFinished struct{ Result TenantResult }

func (TenantStarted) event()    {}
func (StatementStarted) event() {}
func (StatementApplied) event() {}
func (StatementFailed) event()  {}
func (SeedRun) event()          {}
func (TenantFinished) event()   {}

// emit sends ev to the listener, if any. Listeners are called from the
// workers, concurrently; they must be quick and safe for concurrent use.
func (r *Reconciler) emit(ev Event) {
	if r.opts.Listener != nil {
		r.opts.Listener(ev)
	}
}
