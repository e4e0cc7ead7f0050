package reconciler

import (
	"testing"

	"github.com/stratadb/strata/reconciler/internal/ident"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// TestGrantsCheckedNotRepeated: a provisioned tenant's users are found with
// their privileges (so an apply re-grants nothing), a revoked privilege is
// noticed, and the next apply grants it again.
func TestGrantsCheckedNotRepeated(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("ab-c", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	r := f.reconciler(Options{})
	srv, err := r.server(tn.Server)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Landlord(f.ctx); err != nil {
		t.Fatal(err)
	}
	j := &job{r: r, srv: srv, t: tn}
	check := func(wantApp bool) {
		t.Helper()
		have, err := j.accounts(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for role, want := range map[landlord.Role]bool{landlord.RoleApp: wantApp, landlord.RoleMigrator: true} {
			a := have[role]
			if !a.exists || a.cred == nil || a.granted != want {
				t.Errorf("%s user: exists %v, stored %v, granted %v; want granted %v", role, a.exists, a.cred != nil, a.granted, want)
			}
		}
	}
	check(true)

	app := userName(tn.Database, landlord.RoleApp)
	f.exec("REVOKE DELETE ON " + ident.GrantDB(tn.Database) + ".* FROM " + account(app))
	check(false)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply after revoke: exit %d", res.ExitCode())
	}
	check(true)
}
