package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
)

// FleetStatus is what strata status shows of the whole fleet.
type FleetStatus struct {
	Counts    map[landlord.Status]int `json:"counts"`
	Drift     map[string]int          `json:"drift_by_severity"` // tenants with open drift, by severity
	Rollout   *landlord.Rollout       `json:"rollout,omitempty"` // the newest rollout by wave
	Paused    []landlord.Hold         `json:"paused"`            // operators' pauses (strata pause, the console), by tenant
	Attention []landlord.Tenant       `json:"attention"`
	// AttentionLimit is how many tenants Attention was read for: as many
	// means there may be more.
	AttentionLimit int `json:"-"`
}

// Status writes the fleet's status: counts, drift, rollout and pauses, then
// the tenants that need attention; or s as JSON.
func Status(w io.Writer, s *FleetStatus, f Format) error {
	if f == FormatJSON {
		return writeJSON(w, s)
	}
	total := 0
	var parts []string
	for _, st := range landlord.Statuses {
		if n := s.Counts[st]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if total == 0 {
		fmt.Fprintln(w, "No tenants recorded yet: run strata apply.")
		return nil
	}
	fmt.Fprintf(w, "%s: %s\n", plural(total, "tenant"), strings.Join(parts, ", "))
	var drifted []string
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if n := s.Drift[sev]; n > 0 {
			drifted = append(drifted, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(drifted) > 0 {
		fmt.Fprintf(w, "Drift: %s (strata drift for details)\n", strings.Join(drifted, ", "))
	}
	if s.Rollout != nil {
		fmt.Fprintln(w, RolloutLine(*s.Rollout))
	}
	for _, h := range s.Paused {
		line := fmt.Sprintf("Paused: %s since %s", h.Tenant, ago(h.Since))
		if h.Reason != "" {
			line += " (" + h.Reason + ")"
		}
		fmt.Fprintln(w, line+"; strata resume --tenant "+h.Tenant+" lets strata converge it again")
	}
	return attention(w, s.Attention, s.AttentionLimit)
}

// attention lists the tenants that need a person.
func attention(w io.Writer, tenants []landlord.Tenant, limit int) error {
	if len(tenants) == 0 {
		fmt.Fprintln(w, "Nothing needs attention.")
		return nil
	}
	fmt.Fprintf(w, "\nNeeds attention (strata status --tenant NAME for details):\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSTATUS\tUPDATED\tLAST ERROR")
	for _, t := range tenants {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Status, ago(t.UpdatedAt), firstLine(t.LastError))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(tenants) == limit {
		fmt.Fprintf(w, "(first %d shown; strata status --format json lists them too)\n", limit)
	}
	return nil
}

// TenantDetail is what strata status --tenant shows of one tenant: its
// record and its newest apply runs.
type TenantDetail struct {
	Tenant  *landlord.Tenant `json:"tenant"`
	History []landlord.Run   `json:"history"`
}

// TenantStatus writes each tenant's record and apply history, newest run
// first; or details as JSON.
func TenantStatus(w io.Writer, details []TenantDetail, f Format) error {
	if f == FormatJSON {
		return writeJSON(w, details)
	}
	for i, d := range details {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := tenantRecord(w, d.Tenant); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nHistory (newest first):")
		for _, run := range d.History {
			historyRun(w, run)
		}
	}
	return nil
}

// tenantRecord writes t's landlord record as a two-column table.
func tenantRecord(w io.Writer, t *landlord.Tenant) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Tenant:\t%s\n", t.Name)
	fmt.Fprintf(tw, "Status:\t%s\n", t.Status)
	fmt.Fprintf(tw, "Database:\t%s on %s\n", t.Database, t.Server)
	fmt.Fprintf(tw, "Template:\t%s %s\n", t.Template, t.TemplateVersion)
	fmt.Fprintf(tw, "Modules:\t%s\n", strings.Join(t.Modules, ", "))
	fmt.Fprintf(tw, "Last applied:\t%s %s\n", orDash(t.LastAppliedCommit), ago(t.LastAppliedAt))
	fmt.Fprintf(tw, "Last attempted:\t%s\n", orDash(t.LastAttemptedCommit))
	if t.LastError != "" {
		fmt.Fprintf(tw, "Last error:\t%s\n", t.LastError)
	}
	return tw.Flush()
}

// historyRun writes one apply run and its statements.
func historyRun(w io.Writer, run landlord.Run) {
	approved := ""
	if run.PR > 0 {
		approved = fmt.Sprintf(" approved by PR #%d", run.PR)
	}
	if run.Rollout == landlord.ModeAllWaves || run.Rollout == landlord.ModeWave {
		approved += " (" + run.Rollout + ")"
	}
	fmt.Fprintf(w, "  #%d %s %s commit %s%s, %s\n", run.ID, run.StartedAt.Format(time.RFC3339), run.Outcome,
		orDash(short(run.Commit)), approved, plural(len(run.Statements), "statement"))
	for _, s := range run.Statements {
		fmt.Fprintf(w, "      %-8s %s\n", s.Outcome, clip(firstLine(s.SQL), 100))
	}
	if run.Error != "" {
		fmt.Fprintf(w, "      error: %s\n", firstLine(run.Error))
	}
}

// ago says how long ago t was, to the second; "-" for the zero time.
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
