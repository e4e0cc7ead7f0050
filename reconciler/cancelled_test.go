package reconciler

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stratadb/strata/spec"
)

// TestCancelledApplyFinishesEveryTenant: an Apply cancelled after its first
// tenant reports TenantFinished for every tenant, those never reached too
// (interrupted), so progress and metrics count the whole fleet.
func TestCancelledApplyFinishesEveryTenant(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	for _, n := range []string{"t1", "t2", "t3"} {
		f.tenant(n, basic)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		finished = map[string]Outcome{}
	)
	r := f.reconciler(Options{Concurrency: 1, Listener: func(ev Event) {
		if e, ok := ev.(TenantFinished); ok {
			mu.Lock()
			finished[e.Result.Name] = e.Result.Outcome
			mu.Unlock()
			cancel()
		}
	}})
	res, err := r.Apply(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply: %v, want cancelled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, tr := range res.Tenants {
		if got, ok := finished[tr.Name]; !ok || got != tr.Outcome {
			t.Errorf("%s: TenantFinished %q (sent: %v), result %s", tr.Name, got, ok, tr.Outcome)
		}
	}
}
