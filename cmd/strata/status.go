package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler/landlord"
)

// attentionLimit bounds the tenants listed by `strata status`; the counts
// above the list always cover the whole fleet.
const attentionLimit = 50

// newStatusCmd: strata status — what the landlord knows, compact enough for
// thousands of tenants.
func newStatusCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show tenant counts per status and the tenants that need attention",
		Long: `Without --tenant: counts per status, then only the tenants that need a human
(failed, drifted, stuck provisioning, or blocked). With --tenant: that tenant's
record and its apply history.`,
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
		ctx := withContext(cmd)
		store, err := r.ReadLandlord(ctx) // status changes nothing, not even the landlord's schema
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if len(ff.tenants) > 0 {
			return tenantStatus(ctx, out, store, ff.tenants, asJSON)
		}
		return fleetStatus(ctx, out, store, asJSON)
	}
	return cmd
}

// fleetStatus prints the fleet's status from the landlord, as text or JSON.
func fleetStatus(ctx context.Context, w io.Writer, store *landlord.Store, asJSON bool) error {
	s, err := readFleetStatus(ctx, store)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, s)
	}
	return renderFleetStatus(w, s)
}

// fleetStatusView is what strata status shows of the whole fleet.
type fleetStatusView struct {
	Counts    map[landlord.Status]int `json:"counts"`
	Drift     map[string]int          `json:"drift_by_severity"` // tenants with open drift, by severity
	Rollout   *landlord.Rollout       `json:"rollout,omitempty"` // the newest rollout by wave
	Paused    []landlord.Hold         `json:"paused"`            // operators' pauses (strata pause, the console), by tenant
	Attention []landlord.Tenant       `json:"attention"`         // at most attentionLimit
}

// readFleetStatus reads the fleet's status from the landlord.
func readFleetStatus(ctx context.Context, store *landlord.Store) (*fleetStatusView, error) {
	s := &fleetStatusView{}
	var err error
	if s.Counts, err = store.Counts(ctx); err != nil {
		return nil, err
	}
	if s.Attention, err = store.Attention(ctx, attentionLimit); err != nil {
		return nil, err
	}
	if s.Drift, err = store.DriftCounts(ctx); err != nil {
		return nil, err
	}
	if rec, err := store.ReadRollout(ctx, ""); err == nil {
		s.Rollout = &rec
	} else if !landlord.IsNotFound(err) {
		return nil, err
	}
	holds, err := store.Holds(ctx)
	if err != nil {
		return nil, err
	}
	s.Paused = make([]landlord.Hold, 0, len(holds))
	for _, h := range holds {
		s.Paused = append(s.Paused, h)
	}
	sort.Slice(s.Paused, func(i, j int) bool { return s.Paused[i].Tenant < s.Paused[j].Tenant })
	return s, nil
}

// renderFleetStatus prints the counts, drift, rollout and pauses, then the
// tenants that need attention.
func renderFleetStatus(w io.Writer, s *fleetStatusView) error {
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
		fmt.Fprintln(w, rolloutLine(*s.Rollout))
	}
	for _, h := range s.Paused {
		line := fmt.Sprintf("Paused: %s since %s", h.Tenant, ago(h.Since))
		if h.Reason != "" {
			line += " (" + h.Reason + ")"
		}
		fmt.Fprintln(w, line+"; strata resume --tenant "+h.Tenant+" lets strata converge it again")
	}
	return renderAttention(w, s.Attention)
}

// renderAttention lists the tenants that need a person.
func renderAttention(w io.Writer, attention []landlord.Tenant) error {
	if len(attention) == 0 {
		fmt.Fprintln(w, "Nothing needs attention.")
		return nil
	}
	fmt.Fprintf(w, "\nNeeds attention (strata status --tenant NAME for details):\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tSTATUS\tUPDATED\tLAST ERROR")
	for _, t := range attention {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Status, ago(t.UpdatedAt), firstLine(t.LastError))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(attention) == attentionLimit {
		fmt.Fprintf(w, "(first %d shown; strata status --format json lists them too)\n", attentionLimit)
	}
	return nil
}

// historyLimit is how many apply runs --tenant shows.
const historyLimit = 10

func tenantStatus(ctx context.Context, w io.Writer, store *landlord.Store, names []string, asJSON bool) error {
	type detail struct {
		Tenant  *landlord.Tenant `json:"tenant"`
		History []landlord.Run   `json:"history"`
	}
	var details []detail
	for _, name := range names {
		t, err := store.Tenant(ctx, name)
		if landlord.IsNotFound(err) {
			return fmt.Errorf("the landlord has no record of %s: run strata apply --tenant %s", name, name)
		}
		if err != nil {
			return err
		}
		h, err := store.History(ctx, name, historyLimit)
		if err != nil {
			return err
		}
		details = append(details, detail{t, h})
	}
	if asJSON {
		return writeJSON(w, details)
	}
	for i, d := range details {
		if i > 0 {
			fmt.Fprintln(w)
		}
		t := d.Tenant
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
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nHistory (newest first):")
		for _, run := range d.History {
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
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

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

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
