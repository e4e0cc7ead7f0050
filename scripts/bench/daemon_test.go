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
