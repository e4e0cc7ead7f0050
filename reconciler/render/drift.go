package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler"
)

// Drift writes strata drift's result: each drifted tenant's differences,
// what was kept and the repair, each tenant that could not be checked, then
// a one-line summary; or res as JSON.
func Drift(w io.Writer, res *reconciler.DriftResult, f Format) error {
	if f == FormatJSON {
		return writeJSON(w, res)
	}
	for _, t := range res.Tenants {
		switch t.State {
		case reconciler.DriftFound:
			driftedTenant(w, t)
		case reconciler.DriftFailed:
			fmt.Fprintf(w, "%s (%s on %s): could not be checked: %s\n", t.Name, t.Database, t.Server, t.Error)
		}
	}
	_, err := fmt.Fprintln(w, driftSummary(res.Summary))
	return err
}

// driftedTenant writes a drifted tenant's differences and repair.
func driftedTenant(w io.Writer, t reconciler.TenantDrift) {
	fmt.Fprintf(w, "%s (%s on %s): drifted, severity %s (score %d)\n", t.Name, t.Database, t.Server, t.Severity, t.Score)
	for _, d := range t.Differences {
		fmt.Fprintf(w, "  %s %s\n", driftMarker(d.Change), d)
	}
	if t.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", t.Note)
	}
	for _, u := range t.Unmanaged {
		fmt.Fprintf(w, "  kept: %s: %s\n", u.Object, u.Detail)
	}
	if len(t.Repair) > 0 {
		fmt.Fprintln(w, "  repair:")
		for _, st := range t.Repair {
			suffix := ""
			if st.Blocked {
				suffix = "  -- blocked: add `" + st.Approval + "` under approve.destructive"
			}
			fmt.Fprintf(w, "    %s;%s\n", strings.ReplaceAll(st.SQL, "\n", "\n    "), suffix)
		}
	}
}

// driftSummary is "Drift: 3 of 10 tenants drifted (1 high, 2 low); 3
// inspected in 1.2s."
func driftSummary(s reconciler.DriftSummary) string {
	var sev []string
	for _, v := range []drift.Severity{drift.Critical, drift.High, drift.Medium, drift.Low} {
		if n := s.BySeverity[v]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, v))
		}
	}
	line := fmt.Sprintf("Drift: %d of %s drifted", s.Drifted, plural(s.Tenants, "tenant"))
	if len(sev) > 0 {
		line += " (" + strings.Join(sev, ", ") + ")"
	}
	if s.Unknown > 0 {
		line += fmt.Sprintf(", %d without a baseline (never applied or last apply failed)", s.Unknown)
	}
	if s.Failed > 0 {
		line += fmt.Sprintf(", %d could not be checked", s.Failed)
	}
	return fmt.Sprintf("%s; %d inspected in %s.", line, s.Inspected, s.Duration.Round(1e6))
}

// driftMarker is a difference's marker: + added, - removed, ~ changed.
func driftMarker(c drift.Change) string {
	switch c {
	case drift.Added:
		return "+"
	case drift.Removed:
		return "-"
	}
	return "~"
}
