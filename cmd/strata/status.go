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

func fleetStatus(ctx context.Context, w io.Writer, store *landlord.Store, asJSON bool) error {
	counts, err := store.Counts(ctx)
	if err != nil {
		return err
	}
	attention, err := store.Attention(ctx, attentionLimit)
	if err != nil {
		return err
	}
	driftCounts, err := store.DriftCounts(ctx) // tenants with open drift, by severity
	if err != nil {
		return err
	}
	var ro *landlord.Rollout // the newest rollout by wave
	if rec, err := store.ReadRollout(ctx, ""); err == nil {
		ro = &rec
	} else if !landlord.IsNotFound(err) {
		return err
	}
	holds, err := store.Holds(ctx) // operators' pauses (strata pause, the console)
	if err != nil {
		return err
	}
	paused := make([]landlord.Hold, 0, len(holds))
	for _, h := range holds {
		paused = append(paused, h)
	}
	sort.Slice(paused, func(i, j int) bool { return paused[i].Tenant < paused[j].Tenant })
	if asJSON {
		return writeJSON(w, struct {
			Counts    map[landlord.Status]int `json:"counts"`
			Drift     map[string]int          `json:"drift_by_severity"`
			Rollout   *landlord.Rollout       `json:"rollout,omitempty"`
			Paused    []landlord.Hold         `json:"paused"`
			Attention []landlord.Tenant       `json:"attention"`
		}{counts, driftCounts, ro, paused, attention})
	}
	total := 0
	var parts []string
	for _, s := range landlord.Statuses {
		if n := counts[s]; n > 0 {
			total += n
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if total == 0 {
		fmt.Fprintln(w, "No tenants recorded yet: run strata apply.")
		return nil
	}
	fmt.Fprintf(w, "%s: %s\n", plural(total, "tenant"), strings.Join(parts, ", "))
	var drifted []string
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if n := driftCounts[sev]; n > 0 {
			drifted = append(drifted, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(drifted) > 0 {
		fmt.Fprintf(w, "Drift: %s (strata drift for details)\n", strings.Join(drifted, ", "))
	}
	if ro != nil {
		fmt.Fprintln(w, rolloutLine(*ro))
	}
	for _, h := range paused {
		line := fmt.Sprintf("Paused: %s since %s", h.Tenant, ago(h.Since))
		if h.Reason != "" {
			line += " (" + h.Reason + ")"
		}
		fmt.Fprintln(w, line+"; strata resume --tenant "+h.Tenant+" lets strata converge it again")
	}
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
