package rollout

import (
	"slices"
	"testing"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func waves() []spec.Wave {
	return []spec.Wave{{Number: 0, Tenants: []string{"a"}}, {Number: 1, Tenants: []string{"b", "c"}}, {Number: 5, Tenants: []string{"d"}}}
}

func kinds(evs []Event) []EventKind {
	var out []EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestGateHaltsAndResumes: wave 1 waits for wave 0; a failure over the
// budget halts it and keeps wave 5 out; a retried tenant that converges
// brings the wave back within its budget and the rollout goes on.
func TestGateHaltsAndResumes(t *testing.T) {
	g := NewGate("c1", landlord.ModeGated, spec.Rollout{}, waves(), t0)
	if g.Allows("b") || !g.Allows("a") || !g.Allows("not-in-a-wave") {
		t.Fatal("only wave 0 may start")
	}
	if evs := g.Step(t0); len(evs) != 0 {
		t.Fatalf("nothing settled, got %v", kinds(evs))
	}
	g.Observe("a", Passed, true, "")
	if evs := g.Step(t0); !slices.Equal(kinds(evs), []EventKind{WaveFinished, WaveStarted}) || g.Wave() != 1 || !g.Allows("c") || g.Allows("d") {
		t.Fatalf("wave 0 passed: %v wave %d", kinds(evs), g.Wave())
	} else if got := evs[1].String(); got != "rollout of c1: wave 1 started (2 tenants)" {
		t.Fatalf("wave 1 started: %q", got)
	}
	g.Observe("b", Failed, true, "Error 1062: Duplicate entry")
	evs := g.Step(t0)
	if !slices.Equal(kinds(evs), []EventKind{Halted}) || !g.Halted() || g.Allows("d") {
		t.Fatalf("one failure over budget 0: %v", kinds(evs))
	}
	rec := g.Record()
	if rec.Status != landlord.RolloutHalted || rec.Wave != 1 || len(rec.Waves[1].Failed) != 1 || rec.Reason == "" {
		t.Fatalf("record %+v", rec)
	}
	g.Observe("c", Passed, true, "")
	if evs := g.Step(t0); len(evs) != 0 || !g.Halted() {
		t.Fatalf("still halted, got %v", kinds(evs))
	}
	g.Observe("b", Passed, true, "")
	if evs := g.Step(t0); !slices.Equal(kinds(evs), []EventKind{Resumed, WaveFinished, WaveStarted}) || g.Wave() != 5 {
		t.Fatalf("resumed: %v", kinds(evs))
	} else if got := evs[2].String(); got != "rollout of c1: wave 5 started (1 tenant)" {
		t.Fatalf("wave 5 started: %q", got)
	}
	g.Observe("d", Passed, false, "")
	if evs := g.Step(t0); !slices.Equal(kinds(evs), []EventKind{WaveFinished, Finished}) || !g.Done() {
		t.Fatalf("finished: %v", kinds(evs))
	}
}

// TestGateBudgetAndBake: failures within max_failures pass; a wave that
// changed a tenant bakes before the next starts, one that changed none does not.
func TestGateBudgetAndBake(t *testing.T) {
	g := NewGate("c1", landlord.ModeGated, spec.Rollout{MaxFailures: 1, Bake: time.Hour}, waves(), t0)
	g.Observe("a", Passed, false, "")
	if evs := g.Step(t0); g.Wave() != 1 || !slices.Equal(kinds(evs), []EventKind{WaveFinished, WaveStarted}) {
		t.Fatalf("an unchanged wave is not baked: %v", kinds(evs))
	}
	g.Observe("b", Failed, true, "boom")
	g.Observe("c", Passed, true, "")
	g.Step(t0)
	if g.Halted() || g.Wave() != 1 || g.BakeEnds() != t0.Add(time.Hour) || g.Allows("d") {
		t.Fatalf("wave 1 within budget bakes: halted %v wave %d bake %v", g.Halted(), g.Wave(), g.BakeEnds())
	}
	if evs := g.Step(t0.Add(59 * time.Minute)); len(evs) != 0 {
		t.Fatalf("still baking: %v", kinds(evs))
	}
	if evs := g.Step(t0.Add(time.Hour)); !slices.Equal(kinds(evs), []EventKind{WaveStarted}) || g.Wave() != 5 {
		t.Fatalf("baked: %v", kinds(evs))
	}
}

// TestGateAllWaves: every wave may start at once, and failures do not halt.
func TestGateAllWaves(t *testing.T) {
	g := NewGate("c1", landlord.ModeAllWaves, spec.Rollout{}, waves(), t0)
	if !g.Allows("d") {
		t.Fatal("all-waves allows every wave")
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		g.Observe(n, Failed, true, "x")
	}
	g.Step(t0)
	if !g.Done() || g.Halted() {
		t.Fatalf("all-waves: %+v", g.Record())
	}
}
