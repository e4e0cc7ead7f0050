package landlord

import (
	"context"
	"testing"
	"time"
)

// TestRollouts: a rollout is recorded per commit, replaced by later
// records of the same commit, and read back by commit or as the newest;
// a run started in a rollout keeps its mode.
func TestRollouts(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.ReadRollout(ctx, ""); !IsNotFound(err) {
		t.Fatalf("no rollout yet: %v", err)
	}
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	r := Rollout{Commit: "c1", Mode: ModeGated, Status: RolloutRolling, Bake: time.Minute, StartedAt: start,
		Waves: []WaveRecord{{Wave: 0, Tenants: 1, StartedAt: start}, {Wave: 2, Tenants: 2}}}
	if err := s.SaveRollout(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Wave, r.Reason = RolloutHalted, 2, "1 of 2 tenants of wave 2 failed"
	r.Waves[1].Failed = []string{"b"}
	if err := s.SaveRollout(ctx, r); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.SaveRollout(ctx, Rollout{Commit: "c2", Mode: ModeAllWaves, Status: RolloutFinished, StartedAt: start, FinishedAt: start}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadRollout(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != RolloutHalted || got.Wave != 2 || got.Bake != time.Minute || got.Reason == "" ||
		len(got.Waves) != 2 || got.WaveOf(2) == nil || len(got.WaveOf(2).Failed) != 1 || !got.StartedAt.Equal(start) {
		t.Fatalf("c1: %+v", got)
	}
	if newest, err := s.ReadRollout(ctx, ""); err != nil || newest.Commit != "c2" || newest.Mode != ModeAllWaves {
		t.Fatalf("newest: %+v %v", newest, err)
	}
	id, err := s.StartRunIn(ctx, "a", "c2", 0, 1, ModeAllWaves)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, id, RunConverged, ""); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "a", 1)
	if err != nil || len(h) != 1 || h[0].Rollout != ModeAllWaves {
		t.Fatalf("history %+v %v", h, err)
	}
}
