package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

func TestTouches(t *testing.T) {
	objects := driftedObjects([]drift.Difference{
		{Object: drift.Column, Change: drift.Modified, Table: "settings", Name: "v"},
		{Object: drift.Index, Change: drift.Removed, Table: "members", Name: "members_email"},
		{Object: drift.Table, Change: drift.Added, Table: "notes"},
	})
	col := func(table, name string) planner.Object {
		return planner.Object{Kind: planner.ObjectColumn, Table: table, Name: name}
	}
	tests := []struct {
		name string
		objs []planner.Object
		want bool
	}{
		{"merged alter", []planner.Object{col("settings", "v"), col("settings", "note")}, true},
		{"other column", []planner.Object{col("settings", "note")}, false},
		{"drifted index", []planner.Object{{Kind: planner.ObjectIndex, Table: "members", Name: "members_email"}}, true},
		{"same name, other table", []planner.Object{col("members", "v")}, false},
		{"other table", []planner.Object{{Kind: planner.ObjectIndex, Table: "events", Name: "events_v"}}, false},
		{"refers to a drifted table", []planner.Object{{Kind: planner.ObjectForeignKey, Table: "events", Name: "fk"}, {Kind: planner.ObjectReference, Table: "notes"}}, true},
		{"drop a drifted table", []planner.Object{{Kind: planner.ObjectTable, Table: "notes"}}, true},
		{"recreate a table with a drifted column", []planner.Object{{Kind: planner.ObjectTable, Table: "settings"}}, true},
		{"table option of a table with a drifted column", []planner.Object{{Kind: planner.ObjectTableAttr, Table: "settings"}}, false},
	}
	for _, tt := range tests {
		if got := touches(objects, tt.objs); got != tt.want {
			t.Errorf("%s: touches(%v) = %v, want %v", tt.name, tt.objs, got, tt.want)
		}
	}
	if !touches(driftedObjects([]drift.Difference{{Object: drift.SchemaOption, Change: drift.Modified, Name: "charset"}}), []planner.Object{{Kind: planner.ObjectTable, Table: "a"}}) {
		t.Error("a schema-wide difference must touch every statement")
	}
}

// TestReportWithholdsMergedRepair: a hand change and a spec change to the
// same table, which Atlas merges into one ALTER. Under report that ALTER is
// withheld (the hand change stays), a spec change to another table runs;
// under conservative the additive ALTER runs; strict runs it too.
func TestReportWithholdsMergedRepair(t *testing.T) {
	tests := []struct {
		strategy spec.DriftStrategy
		outcome  Outcome
		vHand    bool // settings.v still has its hand-made type
	}{
		{spec.DriftReport, OutcomeDrifted, true},
		{spec.DriftConservative, OutcomeConverged, false},
		{spec.DriftStrict, OutcomeConverged, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.strategy), func(t *testing.T) {
			f := newFixture(t)
			tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
			f.apply(Options{})
			f.exec("ALTER TABLE `" + tn.Database + "`.settings MODIFY v VARCHAR(10) NULL")
			withNote := map[string]string{}
			for p, q := range basicSQL {
				withNote[p] = strings.Replace(q, "v TEXT NULL,", "v TEXT NULL,\n  note VARCHAR(20) NULL,", 1)
			}
			tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", withNote, nil), layer(spec.LayerModule, "events", eventsSQL, nil)}
			tn.Drift = tc.strategy
			tr := f.result(f.apply(Options{}), "acme")
			if tr.Outcome != tc.outcome {
				t.Fatalf("outcome %s (%s), want %s; statements %v", tr.Outcome, tr.Error, tc.outcome, sqls(tr.Statements))
			}
			merged := false
			for _, st := range tr.Statements {
				merged = merged || (strings.Contains(st.SQL, "`v`") && strings.Contains(st.SQL, "`note`"))
			}
			if !merged {
				t.Fatalf("statements %v: Atlas no longer merges the two changes of settings, so this test no longer tests that", sqls(tr.Statements))
			}
			for _, st := range tr.Statements {
				if st.Outcome == landlord.StatementBlocked && (!strings.Contains(st.Error, "drift strategy "+string(tc.strategy)) || strings.Contains(st.Error, "approve.destructive")) {
					t.Errorf("withheld %s recorded as %q; want the drift strategy named", firstLine(st.SQL), st.Error)
				}
			}
			typ := ""
			if err := f.db.QueryRowContext(f.ctx, "SELECT column_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'settings' AND column_name = 'v'", tn.Database).Scan(&typ); err != nil {
				t.Fatal(err)
			}
			if (typ == "varchar(10)") != tc.vHand {
				t.Errorf("settings.v is %s; hand change kept = %v, want %v", typ, typ == "varchar(10)", tc.vHand)
			}
			if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'events'", tn.Database); n != 1 {
				t.Error("the spec change to another table did not run")
			}
		})
	}
}

// TestDriftAfterFailedRun: after a failed run that applied nothing, or a
// run a killed strata left running, the drift strategy still applies to
// what the run did not touch (report keeps a hand-added column even when its
// drop is approved); the objects the killed run's recorded statements
// changed are strata's own work, neither drift nor withheld.
func TestDriftAfterFailedRun(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	tn := f.tenant("acme", basic)
	f.apply(Options{})
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL")
	tn.Approve.Destructive = []string{"DROP COLUMN members.fax"}
	fax := func() int {
		return f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND column_name = 'fax'", tn.Database)
	}

	// A seed that fails: the run fails without applying a statement.
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", basicSQL, map[string]string{"basic/seed/01.sql": "INSERT INTO nowhere VALUES (1);"})}
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeFailed {
		t.Fatalf("with a failing seed: %s %s", tr.Outcome, tr.Error)
	}
	if rec, err := f.store().Tenant(f.ctx, "acme"); err != nil || rec.Status != landlord.StatusFailed {
		t.Fatalf("record %+v, %v; want failed", rec, err)
	}
	tr := f.result(f.apply(Options{}), "acme")
	if fax() != 1 {
		t.Fatalf("after a failed run, drift strategy report dropped the hand-added column (statements %v)", sqls(tr.Statements))
	}

	// A killed strata left a run running that applied nothing: the hand
	// change is still drift.
	tn.Layers = []*spec.Layer{basic}
	if _, err := f.store().StartRun(f.ctx, "acme", "killed", 0); err != nil {
		t.Fatal(err)
	}
	tr = f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeDrifted || fax() != 1 || tr.Interrupted != 1 {
		t.Fatalf("after an interrupted run that ran nothing: %s %q, fax columns %d, interrupted %d; want drifted, fax kept, 1 run closed (statements %v)",
			tr.Outcome, tr.Error, fax(), tr.Interrupted, sqls(tr.Statements))
	}
	runs, err := f.store().History(f.ctx, "acme", 10)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, r := range runs {
		outcomes = append(outcomes, r.Outcome)
	}
	if !strings.Contains(strings.Join(outcomes, ","), landlord.RunInterrupted) {
		t.Fatalf("runs %v: the killed run was not closed as interrupted", outcomes)
	}

	// A killed strata whose statement adding nick was running (and took
	// effect): nick is its work, and the spec's next change to it runs.
	run, err := f.store().StartRun(f.ctx, "acme", "killed", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store().AddStatement(f.ctx, run, landlord.StatementRecord{Seq: 1, SQL: "ALTER TABLE `members` ADD COLUMN `nick` varchar(50) NULL", Outcome: landlord.StatementRunning, Objects: []string{"column members.nick"}}); err != nil {
		t.Fatal(err)
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD COLUMN nick varchar(50) NULL")
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", merge(basicSQL, map[string]string{"basic/03_nick.sql": "ALTER TABLE members ADD COLUMN nick VARCHAR(80) NULL;\n"}), nil)}
	tr = f.result(f.apply(Options{}), "acme")
	if got := applied(tr); tr.Outcome != OutcomeDrifted || fax() != 1 || len(got) != 1 || !strings.Contains(got[0], "`nick` varchar(80)") {
		t.Fatalf("after a killed run that added nick: %s %q, fax columns %d, ran %q; want drifted, fax kept, nick widened", tr.Outcome, tr.Error, fax(), got)
	}
}

// TestReportKeepsStrataChanges: under report no snapshot is taken, so the
// baseline stays the one before the drift; what strata itself applied since
// (a module's table, then a column of it) is not drift: the drift report
// names only the hand change, and later spec changes to strata's own objects
// still run.
func TestReportKeepsStrataChanges(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	tn := f.tenant("acme", basic) // c1
	if res := f.apply(Options{Commit: "c1"}); res.ExitCode() != 0 {
		t.Fatalf("c1: %+v", res.Tenants)
	}
	f.exec("ALTER TABLE `" + tn.Database + "`.settings MODIFY v VARCHAR(10) NULL")

	tn.Layers = []*spec.Layer{basic, layer(spec.LayerModule, "events", eventsSQL, nil)}
	tr := f.result(f.apply(Options{Commit: "c2"}), "acme")
	if got := applied(tr); tr.Outcome != OutcomeDrifted || len(got) != 1 || !strings.HasPrefix(got[0], "CREATE TABLE `events`") {
		t.Fatalf("c2: %s %q, ran %q; want drifted with events created", tr.Outcome, tr.Error, got)
	}

	withBody := map[string]string{"modules/events/01_events.sql": strings.Replace(eventsSQL["modules/events/01_events.sql"], "title VARCHAR(200) NOT NULL,", "title VARCHAR(200) NOT NULL,\n  body TEXT NULL,", 1)}
	tn.Layers = []*spec.Layer{basic, layer(spec.LayerModule, "events", withBody, nil)}
	tr = f.result(f.apply(Options{Commit: "c3"}), "acme")
	if got := applied(tr); tr.Outcome != OutcomeDrifted || len(got) != 1 || !strings.Contains(got[0], "ADD COLUMN `body`") {
		t.Fatalf("c3: %s %q, ran %q (all %+v); want drifted with events.body added", tr.Outcome, tr.Error, got, tr.Statements)
	}

	d, err := f.reconciler(Options{}).Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	td := d.Tenants[0]
	if td.State != DriftFound || len(td.Differences) != 1 || td.Differences[0].Table != "settings" || td.Differences[0].Name != "v" || len(td.Unmanaged) != 0 {
		t.Errorf("drift report: %s, differences %v, unmanaged %v; want only settings.v", td.State, td.Differences, td.Unmanaged)
	}
	for _, st := range td.Repair {
		if strings.Contains(st.SQL, "`events`") {
			t.Errorf("the repair undoes strata's own change: %s", st.SQL)
		}
	}
}

// applied returns the SQL of the statements tr ran.
func applied(tr TenantResult) []string {
	var out []string
	for _, st := range tr.Statements {
		if st.Outcome == landlord.StatementApplied {
			out = append(out, st.SQL)
		}
	}
	return out
}

// TestExplains: a statement strata ran explains a difference of its own
// table only, and of a named object only when it names it.
func TestExplains(t *testing.T) {
	// As the planner names the objects of CREATE TABLE events (... FOREIGN
	// KEY REFERENCES members), ALTER TABLE settings ADD COLUMN note, CREATE
	// INDEX notes_title ON notes, stored and read back by the landlord.
	objs := parseObjects([]string{"table events", "references members", "column settings.note", "index notes.notes_title"})
	tests := []struct {
		d    drift.Difference
		want bool
	}{
		{drift.Difference{Object: drift.Table, Change: drift.Added, Table: "events"}, true},
		{drift.Difference{Object: drift.ForeignKey, Change: drift.Added, Table: "events", Name: "events_member_fk"}, true},
		{drift.Difference{Object: drift.Column, Change: drift.Modified, Table: "members", Name: "id"}, false}, // only referenced
		{drift.Difference{Object: drift.Table, Change: drift.Added, Table: "members"}, false},
		{drift.Difference{Object: drift.Column, Change: drift.Added, Table: "settings", Name: "note"}, true},
		{drift.Difference{Object: drift.Column, Change: drift.Modified, Table: "settings", Name: "v"}, false}, // a hand change beside strata's
		{drift.Difference{Object: drift.TableOption, Change: drift.Modified, Table: "settings", Name: "engine"}, false},
		{drift.Difference{Object: drift.Index, Change: drift.Added, Table: "notes", Name: "notes_title"}, true},
		{drift.Difference{Object: drift.SchemaOption, Change: drift.Modified, Name: "charset"}, false},
	}
	for _, tt := range tests {
		if got := explains(objs, tt.d); got != tt.want {
			t.Errorf("explains(%s) = %v, want %v", tt.d, got, tt.want)
		}
	}
}
