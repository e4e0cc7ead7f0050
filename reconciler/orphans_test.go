package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// TestOrphanedTenant: a tenant removed from the config repo is recorded
// orphaned (no longer counted active; it stayed active), its database is
// kept, and its credentials stay readable.
func TestOrphanedTenant(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	f.tenant("alpha", basic)
	beta := f.tenant("beta", basic)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: %+v", res.Tenants)
	}
	f.fleet.Tenants = f.fleet.Tenants[:1]
	if res := f.apply(Options{}); res.ExitCode() != 0 || len(res.Tenants) != 1 {
		t.Fatalf("apply without beta: %+v", res.Tenants)
	}
	store := f.store()
	if rec, err := store.Tenant(f.ctx, "beta"); err != nil || rec.Status != landlord.StatusOrphaned {
		t.Fatalf("beta: %+v %v, want orphaned", rec, err)
	}
	counts, err := store.Counts(f.ctx)
	if err != nil || counts[landlord.StatusActive] != 1 || counts[landlord.StatusOrphaned] != 1 {
		t.Fatalf("counts %v %v, want 1 active, 1 orphaned", counts, err)
	}
	if f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", beta.Database) != 1 {
		t.Fatal("the orphaned tenant's database was dropped")
	}
	dsn, err := f.reconciler(Options{}).Credentials(f.ctx, "beta")
	if err != nil || !strings.Contains(dsn, beta.Database) {
		t.Fatalf("credentials of the orphaned tenant: %q %v", dsn, err)
	}
}
