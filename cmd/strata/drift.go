package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/reconciler"
)

// newDriftCmd: strata drift — which tenants were changed by hand since their
// last apply, how badly, and what would repair them. Exit 0 no drift, 2
// drift found, 1 error.
func newDriftCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Find tenant databases changed by hand since their last apply",
		Long: `Compare every tenant's live schema with the snapshot strata recorded at its last
successful apply (one fingerprint pass per server; only tenants that differ are
inspected). For each drifted tenant print the differences, a severity (low,
medium, high, critical) and the statements that would repair it, and record the
detection in the landlord (the tenant becomes drifted). Nothing in a tenant
database is changed: repairs happen on strata apply, per the drift strategy.
Exit status: 0 no drift, 2 drift found, 1 error.`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	format := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		asJSON, err := format()
		if err != nil {
			return err
		}
		r, _, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		res, err := r.Drift(withContext(cmd), ff.tenants)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if asJSON {
			err = writeJSON(out, res)
		} else {
			err = renderDrift(out, res)
		}
		if err != nil {
			return err
		}
		if code := res.ExitCode(); code != 0 {
			return &exitError{code: code}
		}
		return nil
	}
	return cmd
}

// renderDrift prints drifted and failed tenants, then a one-line summary.
func renderDrift(w io.Writer, res *reconciler.DriftResult) error {
	for _, t := range res.Tenants {
		switch t.State {
		case reconciler.DriftFound:
			fmt.Fprintf(w, "%s (%s on %s): drifted, severity %s (score %d)\n", t.Name, t.Database, t.Server, t.Severity, t.Score)
			for _, d := range t.Differences {
				fmt.Fprintf(w, "  %s %s\n", marker(d.Change), d)
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
		case reconciler.DriftFailed:
			fmt.Fprintf(w, "%s (%s on %s): could not be checked: %s\n", t.Name, t.Database, t.Server, t.Error)
		}
	}
	s := res.Summary
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
	_, err := fmt.Fprintf(w, "%s; %d inspected in %s.\n", line, s.Inspected, s.Duration.Round(1e6))
	return err
}

func marker(c drift.Change) string {
	switch c {
	case drift.Added:
		return "+"
	case drift.Removed:
		return "-"
	}
	return "~"
}
