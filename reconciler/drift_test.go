package reconciler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// TestDriftFindsHandChanges: hand changes made after an apply are found by
// the sweep with the severity, recorded once in the landlord (tenant
// drifted, counted by severity), and cleared when undone; untouched tenants
// are never inspected.
func TestDriftFindsHandChanges(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	for i := range 3 {
		f.tenant(fmt.Sprintf("d%d", i), basic)
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	r := f.reconciler(Options{})
	store := f.store()

	tests := []struct {
		name     string
		alter    []string // %s is the database
		undo     []string
		severity drift.Severity
		score    int
		repair   string // a repair statement must contain it ("" for none)
	}{
		{"index dropped", []string{"ALTER TABLE `%s`.members DROP INDEX members_email"}, []string{"ALTER TABLE `%s`.members ADD UNIQUE KEY members_email (email)"}, drift.Low, 2, "members_email"},
		{"column modified", []string{"ALTER TABLE `%s`.settings MODIFY v VARCHAR(10) NULL"}, []string{"ALTER TABLE `%s`.settings MODIFY v TEXT NULL"}, drift.Low, 3, "MODIFY COLUMN `v` text"},
		{"column added", []string{"ALTER TABLE `%s`.members ADD fax VARCHAR(20) NULL"}, []string{"ALTER TABLE `%s`.members DROP fax"}, drift.Medium, 5, "DROP COLUMN `fax`"},
		{"table added", []string{"CREATE TABLE `%s`.notes (id INT PRIMARY KEY)"}, []string{"DROP TABLE `%s`.notes"}, drift.High, 10, ""},
		{"table and two columns", []string{"CREATE TABLE `%s`.notes (id INT PRIMARY KEY)", "ALTER TABLE `%s`.members ADD fax INT NULL, ADD pager INT NULL"},
			[]string{"DROP TABLE `%s`.notes", "ALTER TABLE `%s`.members DROP fax, DROP pager"}, drift.Critical, 20, "DROP COLUMN `pager`"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			victim := f.fleet.Tenants[1]
			for _, q := range tc.alter {
				f.exec(fmt.Sprintf(q, victim.Database))
			}
			res, err := r.Drift(f.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Summary.Inspected != 1 || res.Summary.Drifted != 1 || res.ExitCode() != 2 {
				t.Fatalf("summary %+v exit %d, want 1 inspected and drifted, exit 2", res.Summary, res.ExitCode())
			}
			td := res.Tenants[1]
			if td.State != DriftFound || td.Severity != tc.severity || td.Score != tc.score || !td.Recorded {
				t.Fatalf("%s: state %s severity %s score %d recorded %v (%v), want drifted %s %d recorded", td.Name, td.State, td.Severity, td.Score, td.Recorded, td.Differences, tc.severity, tc.score)
			}
			if tc.repair != "" && !hasRepair(td, tc.repair) {
				t.Errorf("repair %+v lacks %q", td.Repair, tc.repair)
			}
			rec, err := store.Tenant(f.ctx, victim.Name)
			if err != nil || rec.Status != landlord.StatusDrifted {
				t.Fatalf("landlord status %v %v, want drifted", rec, err)
			}
			counts, err := store.DriftCounts(f.ctx)
			if err != nil || len(counts) != 1 || counts[string(tc.severity)] != 1 {
				t.Fatalf("drift counts %v %v, want 1 %s", counts, err, tc.severity)
			}
			// A second sweep finds the same drift but does not record it again.
			again, err := r.Drift(f.ctx, []string{victim.Name})
			if err != nil || again.Tenants[0].Recorded || again.Tenants[0].DetectionID != td.DetectionID {
				t.Fatalf("second sweep: %+v %v, want the same detection %d, not recorded again", again.Tenants[0], err, td.DetectionID)
			}

			for _, q := range tc.undo {
				f.exec(fmt.Sprintf(q, victim.Database))
			}
			res, err = r.Drift(f.ctx, nil)
			if err != nil || res.Summary.Drifted != 0 || res.Summary.Inspected != 0 || res.ExitCode() != 0 {
				t.Fatalf("after undo: %+v %v, want no drift and no inspect", res.Summary, err)
			}
			if rec, err := store.Tenant(f.ctx, victim.Name); err != nil || rec.Status != landlord.StatusActive {
				t.Fatalf("after undo: landlord status %v %v, want active", rec, err)
			}
			if counts, err := store.DriftCounts(f.ctx); err != nil || len(counts) != 0 {
				t.Fatalf("after undo: open drift %v, %v", counts, err)
			}
		})
	}
}

// TestDriftAgainstOlderSnapshot: a tenant whose spec changed since its last
// apply is compared with its snapshot (composed from the recorded DDL), so a
// pending spec change is not drift but a hand change still is.
func TestDriftAgainstOlderSnapshot(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("old", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	tn.Layers = append(tn.Layers, layer(spec.LayerModule, "events", eventsSQL, nil)) // pending, not applied
	r := f.reconciler(Options{})
	res, err := r.Drift(f.ctx, nil)
	if err != nil || res.Summary.Drifted != 0 {
		t.Fatalf("pending spec change: %+v %v, want no drift", res.Summary, err)
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL")
	res, err = r.Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	td := res.Tenants[0]
	if td.State != DriftFound || td.Severity != drift.Medium || len(td.Differences) != 1 || td.Differences[0].String() != "column members.fax added" {
		t.Fatalf("%+v, want only column members.fax added (medium)", td)
	}
}

// TestDriftStrategies: a hand-dropped nullable column (additive repair) and
// a hand-added column (destructive repair) under each strategy.
func TestDriftStrategies(t *testing.T) {
	tests := []struct {
		strategy    spec.DriftStrategy
		outcome     Outcome
		vBack       bool
		status      landlord.Status
		approveDrop bool
		faxGone     bool
	}{
		{spec.DriftReport, OutcomeDrifted, false, landlord.StatusDrifted, true, false},
		// fax stays (its drop is not additive): the tenant stays drifted.
		{spec.DriftConservative, OutcomeDrifted, true, landlord.StatusDrifted, true, false},
		{spec.DriftStrict, OutcomeBlocked, true, landlord.StatusActive, false, false},
		{spec.DriftStrict, OutcomeConverged, true, landlord.StatusActive, true, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s approve=%v", tc.strategy, tc.approveDrop), func(t *testing.T) {
			f := newFixture(t)
			tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
			f.apply(Options{})
			f.exec("ALTER TABLE `" + tn.Database + "`.settings DROP v")
			f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL")
			tn.Drift = tc.strategy
			if tc.approveDrop {
				tn.Approve.Destructive = []string{"DROP COLUMN members.fax"}
			}
			res := f.apply(Options{})
			tr := f.result(res, "acme")
			if tr.Outcome != tc.outcome {
				t.Fatalf("outcome %s (%s), want %s; statements %v", tr.Outcome, tr.Error, tc.outcome, sqls(tr.Statements))
			}
			v := f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = 'settings' AND column_name = 'v'", tn.Database)
			if (v == 1) != tc.vBack {
				t.Errorf("column settings.v present = %v, want %v", v == 1, tc.vBack)
			}
			fax := f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND column_name = 'fax'", tn.Database)
			if (fax == 0) != tc.faxGone {
				t.Errorf("fax gone = %v, want %v", fax == 0, tc.faxGone)
			}
			rec, err := f.store().Tenant(f.ctx, "acme")
			if err != nil || rec.Status != tc.status {
				t.Fatalf("status %v %v, want %s", rec, err, tc.status)
			}
		})
	}
}

func hasRepair(td TenantDrift, sub string) bool {
	for _, st := range td.Repair {
		if strings.Contains(st.SQL, sub) {
			return true
		}
	}
	return false
}

// TestSweepAfterFailedRun: a failed apply that ran nothing does not hide a
// hand change from the sweep; the objects a failed or killed run changed are
// strata's own half-done work, not drift, and hide nothing else.
func TestSweepAfterFailedRun(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("flaky", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	store := f.store()
	rec, err := store.Tenant(f.ctx, tn.Name)
	if err != nil {
		t.Fatal(err)
	}
	rec.Status, rec.LastError = landlord.StatusFailed, "seed failed" // a failure that changed no schema
	if err := store.PutTenant(f.ctx, *rec); err != nil {
		t.Fatal(err)
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL")
	r := f.reconciler(Options{})
	res, err := r.Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if td := res.Tenants[0]; td.State != DriftFound {
		t.Fatalf("after a failed run that ran nothing: %s (%s), want drifted", td.State, td.Note)
	}

	// A run that applied a statement and then failed, and one a killed
	// strata left with a statement running: their work is not drift, a hand
	// change they did not touch still is.
	f.exec("ALTER TABLE `" + tn.Database + "`.members DROP COLUMN fax")
	for _, st := range []landlord.StatementRecord{
		{Seq: 1, SQL: "ALTER TABLE `members` ADD COLUMN `fax` int NULL", Outcome: landlord.StatementApplied, Objects: []string{"column members.fax"}},
		{Seq: 1, SQL: "ALTER TABLE `members` ADD COLUMN `nick` varchar(50) NULL", Outcome: landlord.StatementRunning, Objects: []string{"column members.nick"}},
	} {
		run, err := store.StartRun(f.ctx, tn.Name, "c2", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.AddStatement(f.ctx, run, st); err != nil {
			t.Fatal(err)
		}
		f.exec(strings.Replace(st.SQL, "`members`", "`"+tn.Database+"`.`members`", 1)) // it took effect
		if st.Outcome == landlord.StatementApplied {
			if err := store.FinishRun(f.ctx, run, landlord.RunFailed, "statement 2 failed"); err != nil {
				t.Fatal(err)
			}
		}
	}
	res, err = r.Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if td := res.Tenants[0]; td.State != DriftNone {
		t.Fatalf("after partial runs: %s %v (%s), want none: the differences are strata's own", td.State, td.Differences, td.Note)
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.settings ADD hand INT NULL")
	res, err = r.Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if td := res.Tenants[0]; td.State != DriftFound || len(td.Differences) != 1 || td.Differences[0].Table != "settings" {
		t.Fatalf("a hand change beside partial runs: %s %v, want drifted by settings.hand only", td.State, td.Differences)
	}
}

// TestConservativeResolvesOnlyRepaired: under drift strategy conservative a
// column dropped by hand is added back, but a hand-made column, index and
// table stay: their drift reports stay open and the tenant drifted (the
// repair once resolved every report and took a snapshot that hid them).
func TestConservativeResolvesOnlyRepaired(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.settings DROP v")
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL, ADD INDEX members_fax (fax)")
	f.exec("CREATE TABLE `" + tn.Database + "`.notes (id INT PRIMARY KEY)")
	tn.Drift = spec.DriftConservative
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeDrifted || KindOf(tr.Err) != KindWaiting {
		t.Fatalf("outcome %s (%v), want drifted (waiting); statements %v", tr.Outcome, tr.Err, sqls(tr.Statements))
	}
	if v := f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = 'settings' AND column_name = 'v'", tn.Database); v != 1 {
		t.Fatal("settings.v was not added back")
	}
	ll := "`" + f.store().Database() + "`.drift_reports"
	open := func(resolved bool) []string {
		t.Helper()
		q := "SELECT CONCAT(object, ' ', change_kind) FROM " + ll + " WHERE tenant = 'acme' AND resolved_at IS NULL ORDER BY object"
		if resolved {
			q = "SELECT DISTINCT CONCAT(object, ' ', change_kind) FROM " + ll + " WHERE tenant = 'acme' AND resolved_at IS NOT NULL ORDER BY 1"
		}
		return f.column(q)
	}
	if got, want := open(false), []string{"column members.fax added", "index members.members_fax added", "table notes added"}; !slices.Equal(got, want) {
		t.Errorf("open drift reports %q, want %q", got, want)
	}
	if got := open(true); !slices.Contains(got, "column settings.v removed") {
		t.Errorf("resolved drift reports %q, want the repaired column settings.v among them", got)
	}
	res, err := f.reconciler(Options{}).Drift(f.ctx, nil)
	if err != nil || res.Summary.Drifted != 1 {
		t.Fatalf("strata drift after the repair: %+v %v, want the tenant still drifted", res.Summary, err)
	}
	if rec, err := f.store().Tenant(f.ctx, "acme"); err != nil || rec.Status != landlord.StatusDrifted {
		t.Fatalf("record %+v %v, want drifted", rec, err)
	}
}

// TestDriftFindsUserChanges: a tenant user dropped or short of its
// privileges by hand is drift the sweep finds (no schema inspect needed),
// weighs and records, with the statements apply will run to repair it; the
// apply that runs them closes the drift.
func TestDriftFindsUserChanges(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	f.tenant("u0", basic)
	victim := f.tenant("u1", basic)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	app, mig := userName(victim.Database, landlord.RoleApp), userName(victim.Database, landlord.RoleMigrator)
	tests := []struct {
		name     string
		change   string
		severity drift.Severity
		diff     string // the difference, as Difference.String says it
		repair   string // the repair's first statement starts with it
	}{
		{"app user dropped", "DROP USER " + account(app), drift.Critical, "user " + app + " removed", "CREATE USER " + account(app)},
		{"migrator privilege revoked", "REVOKE ALTER ON " + ident.GrantDB(victim.Database) + ".* FROM " + account(mig), drift.High,
			"user " + mig + " modified (privileges revoked)", "GRANT ALL PRIVILEGES"},
		{"app password changed", "ALTER USER " + account(app) + " IDENTIFIED BY 'by-hand-1'", drift.High,
			"user " + app + " modified (password changed on the server (not the one the landlord holds))", "ALTER USER " + account(app) + " IDENTIFIED BY '<stored password>'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.exec(tc.change)
			r := f.reconciler(Options{})
			res, err := r.Drift(f.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			td := res.Tenants[1]
			if res.Summary.Drifted != 1 || res.Summary.Inspected != 0 || td.State != DriftFound || td.Severity != tc.severity || !td.Recorded {
				t.Fatalf("summary %+v; %s: %s %s recorded %v %v; want only it drifted %s, recorded, nothing inspected", res.Summary, td.Name, td.State, td.Severity, td.Recorded, td.Differences, tc.severity)
			}
			if len(td.Differences) != 1 || td.Differences[0].String() != tc.diff || len(td.Repair) == 0 || !strings.HasPrefix(td.Repair[0].SQL, tc.repair) {
				t.Fatalf("differences %v, repair %+v; want %q, repaired by %s", td.Differences, td.Repair, tc.diff, tc.repair)
			}
			if rec, err := f.store().Tenant(f.ctx, victim.Name); err != nil || rec.Status != landlord.StatusDrifted {
				t.Fatalf("landlord status %v %v, want drifted", rec, err)
			}
			if again, err := r.Drift(f.ctx, []string{victim.Name}); err != nil || again.Tenants[0].Recorded || again.Tenants[0].DetectionID != td.DetectionID {
				t.Fatalf("second sweep: %+v %v, want the same detection %d, not recorded again", again.Tenants[0], err, td.DetectionID)
			}
			if tr := f.result(f.apply(Options{}), victim.Name); tr.Outcome != OutcomeConverged || len(tr.Statements) == 0 {
				t.Fatalf("apply: %s %s, %d statements; want converged with the repair", tr.Outcome, tr.Error, len(tr.Statements))
			}
			for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
				if err := f.openTenantUser(victim.Name, victim.Database, role).PingContext(f.ctx); err != nil {
					t.Errorf("the %s user cannot log in with its stored password after apply: %v", role, err)
				}
			}
			res, err = r.Drift(f.ctx, nil)
			if err != nil || res.Summary.Drifted != 0 {
				t.Fatalf("sweep after apply: %+v %v, want no drift", res.Summary, err)
			}
			if rec, err := f.store().Tenant(f.ctx, victim.Name); err != nil || rec.Status != landlord.StatusActive {
				t.Fatalf("landlord status after apply %v %v, want active", rec, err)
			}
		})
	}
}
