package reconciler

import (
	"testing"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// TestUnreachableKeepsStatus: a tenant whose server this strata cannot
// reach fails before taking its lock; another strata may hold that lock and
// be converging it, so the failure is history (a failed run), and the
// tenant's landlord record keeps its status.
func TestUnreachableKeepsStatus(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	f.fleet.Config.Servers["far"] = spec.Server{Name: "far", DSN: "root:@tcp(127.0.0.1:1)/?timeout=2s"}
	tn.Server = "far"
	res, _ := f.reconciler(Options{}).Apply(f.ctx, nil)
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeFailed {
		t.Fatalf("outcome %s (%s), want failed", tr.Outcome, tr.Error)
	}
	rec, err := f.store().Tenant(f.ctx, "acme")
	if err != nil || rec.Status != landlord.StatusActive {
		t.Fatalf("record = %+v, %v; want the status active kept", rec, err)
	}
	runs, err := f.store().History(f.ctx, "acme", 1)
	if err != nil || len(runs) != 1 || runs[0].Outcome != landlord.RunFailed {
		t.Fatalf("newest run = %+v, %v; want the failure on record", runs, err)
	}
}
