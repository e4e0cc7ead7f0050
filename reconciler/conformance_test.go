package reconciler

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
)

var confFilter = flag.String("conformance", "", "run only the conformance cases whose name matches this regexp")

// confBatches is how many batches of cases run at once; each works on
// confConcurrency tenants at a time.
const confBatches = 2

// TestConformance runs every case of testdata/conformance through strata as
// a user would (see confBatch): provision a tenant at current, change its
// layer to desired, approve exactly what the plan asks, apply, plan again,
// and compare the live schema with desired created by plain SQL. A case
// expected to be rejected must fail validation on its line; one expected to
// be blocked must stay blocked, with its reason, whatever is approved.
//
// Every case must hold: a difference strata cannot make is a failing case
// (or, if MariaDB cannot make it in place, a validation error or a case
// expected to be blocked), never a skipped one. Cases listed in
// equivalent-printing.txt converge, but MariaDB prints an equivalent
// definition differently after an ALTER than after a CREATE: their
// difference is logged, and listing one that prints the same fails.
//
// go test ./reconciler -run TestConformance -conformance 'fk_' runs a few.
func TestConformance(t *testing.T) {
	cases, err := loadConfCases(confDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases in %s", confDir)
	}
	printing, err := loadConfList(filepath.Join(confDir, "equivalent-printing.txt"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range cases {
		names[c.name] = true
	}
	for name := range printing {
		if !names[name] {
			t.Errorf("%s is listed, but there is no %s/%s.txtar", name, confDir, name)
		}
	}
	filter, err := regexp.Compile(*confFilter)
	if err != nil {
		t.Fatalf("-conformance: %v", err)
	}

	// A case expected to be rejected is validated alone, with no database;
	// the others run in batches.
	var runs []*confRun
	batches := make([]*confBatch, confBatches)
	multi := dbtest.OpenMulti(t)
	for i := range batches {
		f := newFixture(t)
		batches[i] = &confBatch{f: f, multi: multi, prefix: f.prefix, dsn: dbtest.DSN(t), dir: t.TempDir()}
	}
	for _, c := range cases {
		if !filter.MatchString(c.name) {
			continue
		}
		r := &confRun{c: c, tenant: confTenantName(c.name), printing: printing[c.name]}
		runs = append(runs, r)
		if c.expect == expectRejected {
			r.err = validateAlone(c, t.TempDir())
			continue
		}
		b := batches[len(runs)%len(batches)]
		b.runs = append(b.runs, r)
	}
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Go(func() { b.run(context.Background()) })
	}
	wg.Wait()
	for _, r := range runs {
		t.Run(r.c.name, func(t *testing.T) { judgeConfRun(t, r) })
	}
}

// judgeConfRun reports one case's result.
func judgeConfRun(t *testing.T, r *confRun) {
	for _, l := range r.logs {
		t.Log(l)
	}
	err := r.err
	if err == nil && r.printing != "" && !r.printed {
		err = errPrintsSame
	}
	if err != nil {
		t.Errorf("%s: %v", r.c.path, err)
	}
}

// errPrintsSame is a case listed in equivalent-printing.txt whose live
// schema prints exactly as the reference does.
var errPrintsSame = errors.New("listed in equivalent-printing.txt, but the live schema prints exactly as desired: remove it from the list")
