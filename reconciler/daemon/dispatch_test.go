package daemon

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stratadb/strata/reconciler"
)

// Due tenants start in order, one slot at a time: those whose spec changed
// in the current generation first, then by wave, then by name.
func TestDispatchOrder(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 1, AllWaves: true}) // every wave at once, in order
	for _, tn := range []struct {
		name string
		wave int
	}{{"e", 0}, {"d", 1}, {"c", 0}, {"b", 2}, {"a", 1}, {"f", 2}} {
		h.tenant(tn.name, fmt.Sprintf("wave: %d\n", tn.wave))
	}
	h.d.sync(context.Background())
	assert.Equal(t, []string{"c", "e", "a", "d", "b", "f"}, h.rounds())

	// a and c fail and are due again after their backoff, unchanged; d and
	// b change meanwhile.
	h = newHarness(t, Options{Concurrency: 1, Backoff: time.Second, MaxBackoff: time.Second}, "d", "c", "b", "a")
	failing := true
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		if failing && (name == "a" || name == "c") {
			err := reconciler.Transient(errors.New("Error 1213: Deadlock found"))
			return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a", "b", "c", "d"}, h.rounds())
	failing = false
	approve := "approve:\n  destructive: [\"DROP COLUMN a.x\"]\n"
	h.tenant("d", approve)
	h.tenant("b", approve)
	h.d.sync(context.Background())
	h.clock.Advance(2 * time.Second)
	assert.Equal(t, []string{"b", "d", "a", "c"}, h.rounds())

	// A tenant of a down server is passed over, not given a slot it cannot
	// use: a goes first by name but waits with its server.
	h = newHarness(t, Options{Concurrency: 1})
	h.write("strata.yaml", "servers:\n  main:\n    dsn: \"root@tcp(127.0.0.1:1)/\"\n  other:\n    dsn: \"root@tcp(127.0.0.1:2)/\"\ndefaults: { server: main }\n")
	h.tenant("a", "server: other\n")
	h.tenant("b", "")
	h.tenant("c", "")
	h.d.sync(context.Background())
	h.d.mu.Lock()
	h.d.health("other").down = true
	h.d.mu.Unlock()
	assert.Equal(t, []string{"b", "c"}, h.rounds())
}

// rounds runs one-tenant rounds until nothing is due and returns the
// tenants in the order they started.
func (h *harness) rounds() []string {
	var all []string
	for got := h.round(); len(got) > 0; got = h.round() {
		all = append(all, got...)
	}
	return all
}

// BenchmarkFirstPass measures the loop's own work for a first pass over a
// fleet (the fake engine applies at once), per tenant: one dispatch per
// finished tenant, as in the daemon, at 1,000 and 10,000 tenants.
//
//	go test -run '^$' -bench FirstPass -benchtime 1x ./reconciler/daemon/
func BenchmarkFirstPass(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("t%05d", i)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				h := newHarness(b, Options{Concurrency: 1}, names...)
				h.d.sync(context.Background())
				b.StartTimer()
				if got := len(h.rounds()); got != n {
					b.Fatalf("applied %d tenants, want %d", got, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/tenant")
		})
	}
}
