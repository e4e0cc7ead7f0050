package main

import (
	"strings"
	"testing"
	"time"
)

// TestReconcilesTotal: the daemon wait sums strata_reconciles_total over its
// outcomes and nothing else (the duration histogram shares the outcome label).
func TestReconcilesTotal(t *testing.T) {
	metrics := `# HELP strata_reconciles_total Tenant applies by outcome.
# TYPE strata_reconciles_total counter
strata_reconciles_total{outcome="converged"} 9998
strata_reconciles_total{outcome="failed"} 2
strata_reconcile_duration_seconds_count{outcome="converged"} 9998
strata_tenants{status="active"} 10000
`
	if got := reconcilesTotal(metrics); got != 10000 {
		t.Errorf("reconcilesTotal = %v, want 10000", got)
	}
	if got := reconcilesTotal(""); got != 0 {
		t.Errorf("reconcilesTotal of no metrics = %v, want 0", got)
	}
}

// TestDaemonTable: one row per size and replica count, per-tenant figures
// divided by the size.
func TestDaemonTable(t *testing.T) {
	reports := []*report{{n: 1000, daemon: []daemonRun{{replicas: 2, took: 12 * time.Second, queries: 30.75, rowsRead: 34, applied: 1000}}}}
	want := "| 1000 | 2 | 12s | 12.00 | 30.8 | 34.0 | 1000 of 1000 |\n"
	if got := daemonTable(reports); !strings.Contains(got, want) {
		t.Errorf("daemon table:\n%s\nwant a row %q", got, want)
	}
}

// TestGrowthTable: per phase, strata's and the floor's ms per tenant at both
// sizes with their growth, and the daemon's commit with one replica.
func TestGrowthTable(t *testing.T) {
	small := &report{n: 1000, rows: []row{{scenario: "rollout of one column, more", strata: run{took: 12 * time.Second}, floor: 4 * time.Second}},
		daemon: []daemonRun{{replicas: 1, took: 10 * time.Second}, {replicas: 2, took: 11 * time.Second}}}
	large := &report{n: 10000, rows: []row{{scenario: "rollout of one column, more", strata: run{took: 132 * time.Second}, floor: 44 * time.Second}},
		daemon: []daemonRun{{replicas: 1, took: 117 * time.Second}}}
	got := growthTable(small, large)
	for _, want := range []string{
		"| rollout of one column, ms/tenant | 12.00 | 13.20 | 1.10x |\n",
		"| rollout of one column, floor ms/tenant | 4.00 | 4.40 | 1.10x |\n",
		"| rollout of one column, ratio to the floor | 3.00x | 3.00x | |\n",
		"| the daemon's commit (one replica), ms/tenant | 10.00 | 11.70 | 1.17x |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("growth table:\n%s\nwant a row %q", got, want)
		}
	}
}
