package spec

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/fstest"
)

// A fleet big enough to be decoded on several goroutines loads the same as
// a small one: every tenant in name order, and each bad file's problem at
// its own file and line, however the files were shared out.
func TestManyTenantsDecodedInParallel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: tenants are decoded on one goroutine")
	}
	const n = 3 * tenantsPerWorker
	base := readRepoCase(t, "testdata/base.txt")
	fleet := func(bad map[int]string) fstest.MapFS {
		m := base.fsys(repoCase{})
		for i := range n {
			name := fmt.Sprintf("t%04d", i)
			body, ok := bad[i]
			if !ok {
				body = fmt.Sprintf("name: %s\ntemplate: ngo\nwave: %d\n", name, i%3)
			}
			m["tenants/"+name+"/tenant.yaml"] = &fstest.MapFile{Data: []byte(body)}
		}
		return m
	}

	f, err := Load(fleet(nil), WithLookupEnv(base.lookupEnv))
	if err != nil {
		t.Fatal(err)
	}
	var mine []*Tenant
	for _, tn := range f.Tenants {
		if len(tn.Name) == 5 && tn.Name[0] == 't' {
			mine = append(mine, tn)
		}
	}
	if len(mine) != n {
		t.Fatalf("%d of the %d tenants loaded", len(mine), n)
	}
	for i, tn := range mine {
		if want := fmt.Sprintf("t%04d", i); tn.Name != want || tn.Wave != i%3 || tn.Template != "ngo" {
			t.Fatalf("tenant %d: %s wave %d template %q, want %s wave %d ngo", i, tn.Name, tn.Wave, tn.Template, want, i%3)
		}
	}

	_, err = Load(fleet(map[int]string{
		5:     "name: t0005\ntemplate: ngo\ncolour: blue\n",
		n - 2: "name: t0766\ntemplate: ngo\nwave: first\n",
	}), WithLookupEnv(base.lookupEnv))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 2 {
		t.Fatalf("want the 2 problems, got %v", err)
	}
	if d := ds[0]; d.Path != "tenants/t0005/tenant.yaml" || d.Line != 3 {
		t.Errorf("first problem at %s:%d (%s), want tenants/t0005/tenant.yaml:3", d.Path, d.Line, d.Message)
	}
	if d := ds[1]; d.Path != "tenants/t0766/tenant.yaml" || d.Line != 3 {
		t.Errorf("second problem at %s:%d (%s), want tenants/t0766/tenant.yaml:3", d.Path, d.Line, d.Message)
	}
}

// BenchmarkLoadFleet loads a repo of 10,000 tenants with vars, labels and
// approvals, as every plan, apply and drift sweep does first: µs/tenant.
func BenchmarkLoadFleet(b *testing.B) {
	base := readRepoCase(b, "testdata/base.txt")
	m := base.fsys(repoCase{})
	const n = 10000
	for i := range n {
		name := fmt.Sprintf("t%05d", i)
		m["tenants/"+name+"/tenant.yaml"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(
			"name: %s\ntemplate: ngo\nwave: %d\nlabels: { region: r%d, plan: basic }\nvars: { display_name: Tenant %d }\napprove: { destructive: [] }\n", name, i%3, i%7, i))}
	}
	for b.Loop() {
		if _, err := Load(m, WithLookupEnv(base.lookupEnv)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/tenant")
}
