package reconciler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stratadb/strata/spec"
)

// TestRecordAhead: the statements that create a new tenant's tables are
// all on record, running, before the first of them runs (one landlord
// transaction, not one per statement); on a database that exists, each
// statement goes on record just before it runs. Either way every one ends
// recorded applied and the live schema is the desired one.
func TestRecordAhead(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	var atFirst []string // the newest run's statements when statement 1 starts
	listen := func(ev Event) {
		if e, ok := ev.(StatementStarted); ok && e.Seq == 1 {
			runs, err := f.store().History(f.ctx, e.Tenant, 1)
			if err != nil || len(runs) != 1 {
				t.Errorf("history at statement 1: %v, %v", runs, err)
				return
			}
			for _, st := range runs[0].Statements {
				atFirst = append(atFirst, fmt.Sprintf("%d %s", st.Seq, st.Outcome))
			}
		}
	}
	check := func(stage string, want []string, statements int) {
		t.Helper()
		if strings.Join(atFirst, ",") != strings.Join(want, ",") {
			t.Errorf("%s: on record when statement 1 started: %q, want %q", stage, atFirst, want)
		}
		runs, err := f.store().History(f.ctx, "acme", 1)
		if err != nil || len(runs) != 1 || len(runs[0].Statements) != statements {
			t.Fatalf("%s: newest run %+v, %v", stage, runs, err)
		}
		for _, st := range runs[0].Statements {
			if st.Outcome != "applied" {
				t.Errorf("%s: statement %d recorded %s, want applied", stage, st.Seq, st.Outcome)
			}
		}
		if live, want := f.live(tn.Database), f.reference(f.fleet.Tenant("acme")); live != want {
			t.Errorf("%s: live schema\n%s\nwant\n%s", stage, live, want)
		}
	}

	if res := f.apply(Options{Listener: listen}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	check("provisioning", []string{"1 running", "2 running"}, 2)

	atFirst = nil
	f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL, map[string]string{"basic/04_note.sql": "ALTER TABLE settings ADD COLUMN note VARCHAR(10) NULL;\n"}), nil))
	if res := f.apply(Options{Listener: listen}); res.ExitCode() != 0 {
		t.Fatalf("rollout: %+v", res.Tenants)
	}
	check("rollout", []string{"1 running"}, 2)
}

// TestRecordAheadFailure: a statement of a new tenant that fails leaves its
// record failed and the later ones skipped, none running, as when each
// statement is recorded as it runs.
func TestRecordAheadFailure(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, eventsSQL), nil))
	listen := func(ev Event) {
		// The table statement 2 creates, made by hand just before it runs.
		if e, ok := ev.(StatementStarted); ok && e.Seq == 2 {
			table, _, _ := strings.Cut(strings.TrimPrefix(e.SQL, "CREATE TABLE "), " ")
			f.exec("CREATE TABLE `" + tn.Database + "`." + table + " (x INT)")
		}
	}
	tr := f.result(f.apply(Options{Listener: listen}), "acme")
	if tr.Outcome != OutcomeFailed {
		t.Fatalf("outcome %s (%s), want failed", tr.Outcome, tr.Error)
	}
	runs, err := f.store().History(f.ctx, "acme", 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("history: %+v, %v", runs, err)
	}
	var got []string
	for _, st := range runs[0].Statements {
		got = append(got, fmt.Sprintf("%d %s", st.Seq, st.Outcome))
	}
	if want := "1 applied,2 failed,3 skipped"; strings.Join(got, ",") != want {
		t.Errorf("recorded %q, want %s", got, want)
	}
}
