package reconciler

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stratadb/strata/spec"
)

// TestSummaryCountsMixedTenant: a tenant whose plan has a runnable CREATE
// TABLE next to a blocked DROP COLUMN counts as to change and as blocked,
// and apply then does run the CREATE TABLE the summary announced.
func TestSummaryCountsMixedTenant(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("mix", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	noEmail := map[string]string{
		"basic/01_members.sql":  "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (id)\n);\n",
		"basic/02_settings.sql": basicSQL["basic/02_settings.sql"],
	}
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", noEmail, nil), layer(spec.LayerModule, "events", eventsSQL, nil)}
	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Summary; s.Change != 1 || s.Blocked != 1 {
		t.Errorf("summary %+v, want 1 to change and 1 blocked", s)
	}
	res := f.apply(Options{})
	if s := res.Plan.Summary; s.Change != 1 || s.Blocked != 1 {
		t.Errorf("apply summary %+v, want 1 to change and 1 blocked", s)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'events'", tn.Database); n != 1 {
		t.Errorf("events table count %d after apply, want 1", n)
	}
}

// TestPermanentFailuresStall: a declared rename the planner cannot plan and
// a seed template a tenant's vars break fail the tenant stalled (retried
// only when the spec changes), not transient with an endless backoff.
func TestPermanentFailuresStall(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("ren", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	renamed := layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01_members.sql":  "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  mail VARCHAR(190) NOT NULL -- strata:renamed-from email\n);\nALTER TABLE members ADD COLUMN email VARCHAR(190) NULL;\n",
		"basic/02_settings.sql": basicSQL["basic/02_settings.sql"],
	}, nil)
	for _, file := range renamed.Files { // what loading the repo does
		var err error
		if file.Renames, err = spec.ParseRenames(file.Path, file.Content); err != nil {
			t.Fatal(err)
		}
	}
	tn.Layers = []*spec.Layer{renamed}
	res, err := f.reconciler(Options{}).Apply(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.result(res, "ren")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "declared renamed from email") || KindOf(tr.Err) != KindStalled {
		t.Errorf("impossible rename: outcome %s kind %s error %q, want failed, stalled, naming the rename", tr.Outcome, KindOf(tr.Err), tr.Error)
	}

	sd := f.tenant("seedy", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings VALUES ('title', '{{ .Vars.title }}');",
	}))
	sd.Vars = map[string]string{"title": "it's"}
	res, err = f.reconciler(Options{}).Apply(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr = f.result(res, "seedy")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "basic/seed/01.sql") || KindOf(tr.Err) != KindStalled {
		t.Errorf("seed template error: outcome %s kind %s error %q, want failed, stalled, naming the seed file", tr.Outcome, KindOf(tr.Err), tr.Error)
	}
}

// TestKindOfJoined: a typed error inside errors.Join (how layers report a
// composition's errors) keeps its kind.
func TestKindOfJoined(t *testing.T) {
	err := fmt.Errorf("compose: %w", errors.Join(errors.New("a"), Stalled(errors.New("b"))))
	if KindOf(err) != KindStalled || classify(err) != KindStalled {
		t.Errorf("KindOf %s classify %s, want stalled", KindOf(err), classify(err))
	}
	if KindOf(Transient(Stalled(errors.New("x")))) != KindTransient {
		t.Errorf("the outermost typed error no longer decides")
	}
}

// TestStrictKeepsUnrepairedDrift: under strict, a hand-added column whose
// DROP waits for approval is drift still there after the apply: the tenant
// is blocked and the drift record stays open, not resolved by a new baseline.
func TestStrictKeepsUnrepairedDrift(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("strict", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	f.exec("ALTER TABLE `" + tn.Database + "`.members ADD fax INT NULL")
	tn.Drift = spec.DriftStrict
	tr := f.result(f.apply(Options{}), "strict")
	if tr.Outcome != OutcomeBlocked {
		t.Errorf("outcome %s (%q) with members.fax still there, want blocked", tr.Outcome, tr.Error)
	}
	d, err := f.reconciler(Options{}).Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Summary.Drifted != 1 {
		t.Errorf("drift after a blocked strict repair: %+v, want 1 drifted (members.fax remains)", d.Summary)
	}
}

// TestConservativeNothingLeftIsBlocked: conservative repairs a hand-dropped
// column; what remains is an unapproved spec change, which is the tenant's
// blocked state, not drift.
func TestConservativeNothingLeftIsBlocked(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("cons", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	f.exec("ALTER TABLE `" + tn.Database + "`.settings DROP v")
	tn.Drift = spec.DriftConservative
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01_members.sql":  "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (id)\n);\n",
		"basic/02_settings.sql": basicSQL["basic/02_settings.sql"],
	}, nil)}
	tr := f.result(f.apply(Options{}), "cons")
	if tr.Outcome != OutcomeBlocked {
		t.Errorf("outcome %s (%q), want blocked on DROP COLUMN members.email", tr.Outcome, tr.Error)
	}
	d, err := f.reconciler(Options{}).Drift(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Summary.Drifted != 0 {
		t.Errorf("drift after settings.v was repaired: %+v, want none", d.Summary)
	}
}
