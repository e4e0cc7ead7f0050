package reconciler

import (
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// TestDatabaseCollationConverges: a tenant database whose default collation
// was changed by hand is planned with the ALTER DATABASE that fixes it,
// withheld as drift under strategy report and run under strict; it read in
// sync (plan exit 0) while apply called it drifted.
func TestDatabaseCollationConverges(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("coll", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	f.exec("ALTER DATABASE `" + tn.Database + "` COLLATE utf8mb4_general_ci")

	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := p.Tenants[0]
	want := "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
	if len(tp.Statements) != 1 || tp.Statements[0].SQL != want || tp.Statements[0].Withheld == "" {
		t.Fatalf("plan under report: %s %+v; want %q withheld", tp.Action, tp.Statements, want)
	}
	tn.Drift = spec.DriftStrict
	res := f.apply(Options{}) // also checks apply ran what plan listed
	if tr := f.result(res, "coll"); tr.Outcome != OutcomeConverged {
		t.Fatalf("apply: %s %s", tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ? AND default_collation_name = 'utf8mb4_unicode_ci'", tn.Database); n != 1 {
		t.Errorf("live collation not changed to utf8mb4_unicode_ci")
	}
	p, err = f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tp := p.Tenants[0]; tp.Action != planner.ActionNone || len(tp.Statements) != 0 {
		t.Errorf("plan after apply: %s %+v; want in sync", tp.Action, tp.Statements)
	}
}
