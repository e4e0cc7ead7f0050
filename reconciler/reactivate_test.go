package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// TestReactivateUnlocksLiveAccount: reactivating a suspended tenant unlocks
// its app user from the live account, whatever the landlord recorded (here
// the suspension's status write was lost), and the unlock is a statement
// plan shows and apply records.
func TestReactivateUnlocksLiveAccount(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	tn.Status = spec.StatusSuspended
	f.apply(Options{})
	st := f.store()
	rec, err := st.Tenant(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	rec.Status = "failed"
	if err := st.PutTenant(f.ctx, *rec); err != nil {
		t.Fatal(err)
	}

	tn.Status = spec.StatusActive
	unlock := "ALTER USER '" + tn.Database + "_app'@'%' ACCOUNT UNLOCK"
	f.wantPlan("reactivation pending", planner.ActionChange, unlock)
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeConverged || strings.Join(sqls(tr.Statements), "\n") != unlock {
		t.Fatalf("reactivated: outcome %s (%s), statements %q, want converged running the unlock", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.global_priv WHERE User = ? AND Priv LIKE ?", tn.Database+"_app", `%account_locked":true%`); n != 0 {
		t.Fatal("the app user is still locked after reactivation")
	}
	f.wantPlan("reactivated", planner.ActionNone)
}
