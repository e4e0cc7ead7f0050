package reconciler

import (
	"fmt"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// TestInSyncPlanQueriesConstant: planning an in-sync fleet costs the same
// number of server queries at 2 tenants as at 8: one bulk pass per server
// and nothing per tenant. (The reactivation check read each tenant's app
// account twice, two queries per tenant on every plan and apply.) The
// fleet has a private server of its own, so its counter is strata's.
func TestInSyncPlanQueriesConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private mariadbd")
	}
	p := dbtest.StartPrivate(t)
	f := newFixture(t)
	f.fleet.Config.Servers = map[string]spec.Server{"main": {Name: "main", DSN: p.DSN}}
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	questions := func(n int) int64 {
		for i := len(f.fleet.Tenants); i < n; i++ {
			f.tenant(fmt.Sprintf("t%d", i), basic)
		}
		if res := f.apply(Options{}); res.ExitCode() != 0 {
			t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
		}
		r := f.reconciler(Options{})
		before := privateStatus(t, p, "Questions")
		plan, err := r.Plan(f.ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Summary.InSync != n {
			t.Fatalf("plan of %d applied tenants: %+v, want all in sync", n, plan.Summary)
		}
		return privateStatus(t, p, "Questions") - before
	}
	small, large := questions(2), questions(8)
	t.Logf("plan of an in-sync fleet: %d queries at 2 tenants, %d at 8", small, large)
	// A query per tenant would add 6; a stray one (a driver's retry on a
	// bad idle connection under load) is not per tenant.
	if large-small >= 6 {
		t.Errorf("plan of an in-sync fleet: %d queries at 2 tenants, %d at 8: want no query per tenant", small, large)
	}
}

// privateStatus reads a global status counter of a private server.
func privateStatus(t *testing.T, p *dbtest.Private, name string) int64 {
	t.Helper()
	db := p.Open()
	defer db.Close()
	var n string
	var v int64
	if err := db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
