package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// A pass is read before each tenant's lock is taken, and the daemon uses one
// for a whole commit. These tests change a tenant by hand between the pass
// and its apply: what apply marks, records and concludes must be the
// tenant's as it is under the lock, never the pass's.

// stalePass provisions acme at basic + nick, then sets its layers to
// layers and returns a pass prepared for them.
func stalePass(f *fixture, files map[string]string, approve ...string) (*spec.Tenant, *Pass) {
	f.t.Helper()
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		f.t.Fatalf("provision: %+v", res.Tenants)
	}
	tn = f.tenant("acme", layer(spec.LayerBasic, "basic", files, nil))
	tn.Approve.Destructive = approve
	pass, err := f.reconciler(Options{}).Prepare(f.ctx, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return tn, pass
}

func (f *fixture) fingerprint(database string) string {
	f.t.Helper()
	fp, err := fingerprint.Schema(f.ctx, f.db, database)
	if err != nil {
		f.t.Fatal(err)
	}
	return fp
}

// openDetection returns acme's open drift detection, failing without one.
func (f *fixture) openDetection(name string) *landlord.Detection {
	f.t.Helper()
	d, err := f.store().OpenDetection(f.ctx, name)
	if err != nil {
		f.t.Fatalf("open detection of %s: %v", name, err)
	}
	return d
}

// TestDriftReadUnderLock: a column dropped by hand after the pass (which
// found acme at its baseline) is drift under strategy report: the full plan
// withholds its re-adding (it used to run, the pass's fingerprint saying
// "no drift"), the spec's approved drop still runs, and the detection
// recorded has the fingerprint read under the lock.
func TestDriftReadUnderLock(t *testing.T) {
	f := newFixture(t)
	noV := map[string]string{"basic/02_settings.sql": strings.Replace(basicSQL["basic/02_settings.sql"], "  v TEXT NULL,\n", "", 1)}
	tn, pass := stalePass(f, merge(basicSQL, nickSQL, noV), "DROP COLUMN settings.v")
	f.exec("ALTER TABLE " + ident.Quote(tn.Database) + ".members DROP COLUMN nick")
	hand := f.fingerprint(tn.Database)

	tr, tp, err := pass.Apply(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Outcome != OutcomeDrifted {
		t.Errorf("outcome %s (%s), want drifted; ran %q", tr.Outcome, tr.Error, applied(tr))
	}
	if got := applied(tr); len(got) != 1 || !strings.Contains(got[0], "DROP COLUMN `v`") {
		t.Errorf("applied %q, want only the approved DROP COLUMN v (the hand drop of nick stays)", got)
	}
	if live := f.live(tn.Database); strings.Contains(live, "`nick`") {
		t.Errorf("report repaired the hand change:\n%s", live)
	}
	withheld := 0
	for _, st := range tp.Statements {
		if st.Withheld != "" {
			withheld++
		}
	}
	if withheld != 1 {
		t.Errorf("plan withholds %d statements, want 1 (the re-adding of nick): %+v", withheld, tp.Statements)
	}
	if d := f.openDetection("acme"); d.LiveFingerprint != hand {
		t.Errorf("detection recorded live fingerprint %s, want the one under the lock %s", d.LiveFingerprint, hand)
	}
}

// TestDriftRecordedAsUnderLock: the pass saw one hand change, a second came
// before the lock: the detection records the live fingerprint apply
// compared, not the pass's.
func TestDriftRecordedAsUnderLock(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	settings := ident.Quote(tn.Database) + ".settings"
	f.exec("ALTER TABLE " + settings + " ADD COLUMN hand1 INT NULL")
	pass, err := f.reconciler(Options{}).Prepare(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.exec("ALTER TABLE " + settings + " ADD COLUMN hand2 INT NULL")
	want := f.fingerprint(tn.Database)

	tr, _, err := pass.Apply(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Outcome != OutcomeDrifted || len(applied(tr)) != 0 {
		t.Errorf("outcome %s (%s), applied %q: want drifted, nothing run", tr.Outcome, tr.Error, applied(tr))
	}
	if d := f.openDetection("acme"); d.LiveFingerprint != want {
		t.Errorf("detection recorded live fingerprint %s, want the one under the lock %s (the pass's was stale)", d.LiveFingerprint, want)
	}
}

// TestCachedPlanFindsLateDrift: the pass found acme at its baseline, so its
// rollout is planned from the baseline's composition (no inspect); a table
// column added by hand before the lock is not in that plan. Verification
// finds the live schema not desired: the tenant is drifted (the hand
// column recorded as drift, the old baseline kept), never converged with
// the hand change taken into a new baseline.
func TestCachedPlanFindsLateDrift(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	before, err := f.store().LatestSnapshot(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL), nil))
	r := f.reconciler(Options{})
	pass, err := r.Prepare(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.exec("ALTER TABLE " + ident.Quote(tn.Database) + ".settings ADD COLUMN hand INT NULL")

	tr, _, err := pass.Apply(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := applied(tr); len(got) != 1 || !strings.Contains(got[0], "ADD COLUMN `nick`") {
		t.Errorf("applied %q, want the rollout's ADD COLUMN nick", got)
	}
	if tr.Outcome != OutcomeDrifted {
		t.Errorf("outcome %s (%s), want drifted: the hand column is drift", tr.Outcome, tr.Error)
	}
	if d := f.openDetection("acme"); d.LiveFingerprint != f.fingerprint(tn.Database) {
		t.Errorf("detection %+v is not of the live schema", d)
	}
	if after, err := f.store().LatestSnapshot(f.ctx, "acme"); err != nil || after.Hash != before.Hash {
		t.Errorf("baseline replaced (%v): a new one would hide the hand column", err)
	}
	if n := r.FullPlans(); n != 1 {
		t.Errorf("%d Atlas plans, want 1: the verifying one only", n)
	}
}

// TestWrongSnapshotNeverConverges: a snapshot whose DDL is not the schema
// its fingerprint says (a corrupt landlord row) can never make a tenant
// converged that is not: its composition does not reproduce the
// fingerprint, so the tenant is planned in full and converges for real.
func TestWrongSnapshotNeverConverges(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	// The snapshot says members already has nick: a plan from it would
	// add nothing to members.
	sn, err := f.store().LatestSnapshot(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(sn.DDL, "`email` varchar(190) NOT NULL,", "`email` varchar(190) NOT NULL,\n  `nick` varchar(50) DEFAULT NULL,", 1)
	if wrong == sn.DDL {
		t.Fatalf("snapshot DDL has no email column to corrupt:\n%s", sn.DDL)
	}
	f.exec("UPDATE "+ident.Quote(f.fleet.Config.Landlord.Database)+".snapshots SET schema_ddl = ? WHERE tenant = ?", wrong, "acme")

	f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL, eventsSQL), nil))
	r := f.reconciler(Options{})
	tr := f.applyWith(r).Tenants[0]
	if tr.Outcome != OutcomeConverged {
		t.Errorf("outcome %s (%s), want converged", tr.Outcome, tr.Error)
	}
	if got, want := f.live(tn.Database), f.reference(f.fleet.Tenant("acme")); got != want {
		t.Errorf("live schema:\n%s\nwant:\n%s", got, want)
	}
	if n := r.FullPlans(); n != 1 {
		t.Errorf("%d Atlas plans, want 1: a snapshot that does not compose to its fingerprint is not used", n)
	}
}
