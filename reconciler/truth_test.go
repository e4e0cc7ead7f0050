package reconciler

import (
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
