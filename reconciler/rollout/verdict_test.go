package rollout

import (
	"errors"
	"testing"

	"github.com/stratadb/strata/reconciler"
)

// What an apply result means to its wave; a paused tenant (held) waits
// like a locked one and never fails its wave.
func TestVerdictOf(t *testing.T) {
	tests := []struct {
		name    string
		tr      reconciler.TenantResult
		retried bool
		want    Verdict
	}{
		{"converged", reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}, false, Passed},
		{"held by an operator", reconciler.TenantResult{Outcome: reconciler.OutcomeHeld, Error: "held: paused"}, false, Pending},
		{"locked", reconciler.TenantResult{Outcome: reconciler.OutcomeLocked}, false, Pending},
		{"failed", reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Err: reconciler.Stalled(errors.New("x"))}, false, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerdictOf(tt.tr, tt.retried); got != tt.want {
				t.Errorf("VerdictOf = %v, want %v", got, tt.want)
			}
		})
	}
}
