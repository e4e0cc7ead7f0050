package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// TestExamplesConverge applies the example config repo (loaded by the real
// loader, seeds and custom layers included) from nothing, under a prefix
// unique to the test, and checks that a second apply changes nothing.
func TestExamplesConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("applies the whole example fleet")
	}
	fleet, err := spec.LoadDir("../examples", spec.WithLookupEnv(func(name string) (string, bool) {
		if name == "STRATA_PRIMARY_DSN" {
			return dbtest.DSN(t), true
		}
		return "", false
	}))
	if err != nil {
		t.Fatalf("load examples: %v", err)
	}
	f := newFixture(t)
	fleet.Config.DatabasePrefix = f.prefix
	fleet.Config.Landlord.Database = f.prefix + "ll"
	for _, tn := range fleet.Tenants {
		tn.Database = f.prefix + strings.ReplaceAll(tn.Name, "-", "_")
	}
	f.fleet = fleet
	res := f.apply(Options{Commit: "examples"})
	if res.ExitCode() != 0 {
		for _, tr := range res.Tenants {
			t.Logf("%s: %s %s", tr.Name, tr.Outcome, tr.Error)
		}
		t.Fatalf("exit %d", res.ExitCode())
	}
	seeded := 0
	for _, tr := range res.Tenants {
		if tr.Outcome == OutcomeConverged && len(tr.Seeds) == 0 {
			t.Errorf("%s ran no seeds", tr.Name)
		}
		seeded += len(tr.Seeds)
	}
	again := f.apply(Options{})
	for _, tr := range again.Tenants {
		if len(tr.Statements) != 0 || len(tr.Seeds) != 0 || tr.Outcome == OutcomeFailed {
			t.Errorf("second apply of %s: %s, statements %v, seeds %v, %s", tr.Name, tr.Outcome, sqls(tr.Statements), tr.Seeds, tr.Error)
		}
	}
	t.Logf("%d tenants, %d seed files run once", len(res.Tenants), seeded)
}
