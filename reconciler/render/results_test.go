package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
)

func TestTenantLine(t *testing.T) {
	applied := landlord.StatementRecord{SQL: "ALTER TABLE t ADD COLUMN c int", Outcome: landlord.StatementApplied}
	for _, tc := range []struct {
		name string
		in   reconciler.TenantResult
		want string
	}{
		{"in sync is quiet", reconciler.TenantResult{Name: "acme", Outcome: reconciler.OutcomeConverged}, ""},
		{"suspended is quiet", reconciler.TenantResult{Name: "acme", Outcome: reconciler.OutcomeSuspended}, ""},
		{"provisioned", reconciler.TenantResult{Name: "acme", Outcome: reconciler.OutcomeConverged, Provisioned: true,
			Statements: []landlord.StatementRecord{applied, applied}, Seeds: []string{"seed.sql"}},
			"acme: converged (provisioned; 2 statements applied; 1 seed file run)"},
		{"failed", reconciler.TenantResult{Name: "acme", Outcome: reconciler.OutcomeFailed, Error: "boom"}, "acme: failed (boom)"},
		{"locked", reconciler.TenantResult{Name: "acme", Outcome: reconciler.OutcomeLocked}, "acme: locked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TenantLine(tc.in); got != tc.want {
				t.Errorf("TenantLine = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOutcomeAndProgressLines(t *testing.T) {
	counts := map[reconciler.Outcome]int{reconciler.OutcomeFailed: 1, reconciler.OutcomeConverged: 5, reconciler.OutcomeBlocked: 1}
	if got, want := OutcomeLine(7, counts), "7 tenants: 5 converged, 1 blocked, 1 failed"; got != want {
		t.Errorf("OutcomeLine = %q, want %q", got, want)
	}
	got := ProgressLine(7, 14, counts, 7*time.Second)
	if want := "[##########----------] 7/14 tenants (5 converged, 1 blocked, 1 failed), ETA 7s"; got != want {
		t.Errorf("ProgressLine = %q, want %q", got, want)
	}
	if got, want := ProgressLine(0, 3, nil, 0), "[--------------------] 0/3 tenants"; got != want {
		t.Errorf("ProgressLine at start = %q, want %q", got, want)
	}
}

func TestRolloutLine(t *testing.T) {
	ro := landlord.Rollout{Commit: "0123456789abcdef", Mode: landlord.ModeGated, Status: landlord.RolloutHalted, Wave: 1, Reason: "2 failed",
		Waves: []landlord.WaveRecord{
			{Wave: 0, Tenants: 3, Converged: 3, StartedAt: time.Unix(1, 0)},
			{Wave: 1, Tenants: 4, Converged: 2, Failed: []string{"a", "b"}, StartedAt: time.Unix(2, 0)},
			{Wave: 2, Tenants: 9},
		}}
	want := "Rollout of 0123456789ab (gated): HALTED at wave 1: 2 failed\n" +
		"  wave 0: 3/3 converged; wave 1: 2/4 converged, 2 failed; wave 2: 9 not started"
	if got := RolloutLine(ro); got != want {
		t.Errorf("RolloutLine =\n%s\nwant\n%s", got, want)
	}
	for in, want := range map[string]string{"": "the working tree", "0123456789abcdef": "0123456789ab", "0123456789abcdef-dirty": "0123456789abcdef-dirty"} {
		if got := ShortCommit(in); got != want {
			t.Errorf("ShortCommit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDriftText(t *testing.T) {
	res := &reconciler.DriftResult{
		Tenants: []reconciler.TenantDrift{
			{Name: "acme", Database: "t_acme", Server: "main", State: reconciler.DriftFailed, Error: "no route"},
		},
		Summary: reconciler.DriftSummary{Tenants: 3, Drifted: 1, BySeverity: map[drift.Severity]int{drift.High: 1}, Failed: 1, Inspected: 2, Duration: 1500 * time.Millisecond},
	}
	var b bytes.Buffer
	if err := Drift(&b, res, FormatText); err != nil {
		t.Fatal(err)
	}
	want := "acme (t_acme on main): could not be checked: no route\n" +
		"Drift: 1 of 3 tenants drifted (1 high), 1 could not be checked; 2 inspected in 1.5s.\n"
	if b.String() != want {
		t.Errorf("Drift =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestEmptyOutputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
		want   string
	}{
		{"archives text", func(b *bytes.Buffer) error { return Archives(b, nil, FormatText) }, "no archives kept\n"},
		{"archives json", func(b *bytes.Buffer) error { return Archives(b, nil, FormatJSON) }, "{\n  \"archives\": []\n}\n"},
		{"purged", func(b *bytes.Buffer) error { return Purged(b, nil) }, "nothing to purge\n"},
		{"status", func(b *bytes.Buffer) error { return Status(b, &FleetStatus{}, FormatText) }, "No tenants recorded yet: run strata apply.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	s := &FleetStatus{
		Counts:         map[landlord.Status]int{landlord.StatusActive: 2, landlord.StatusFailed: 1},
		Drift:          map[string]int{"low": 1},
		Attention:      []landlord.Tenant{{Name: "beta", Status: landlord.StatusFailed, LastError: "boom\nmore"}},
		AttentionLimit: 1,
	}
	var b bytes.Buffer
	if err := Status(&b, s, FormatText); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 tenants: 2 active, 1 failed\n",
		"Drift: 1 low (strata drift for details)\n",
		"beta    failed  -        boom\n",
		"(first 1 shown; strata status --format json lists them too)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status text lacks %q:\n%s", want, b.String())
		}
	}
}
