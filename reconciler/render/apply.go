package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
)

// Apply writes the end of strata apply: in text, the summary line (and the
// rollout's, when it has waves or halted) after the tenant lines streamed
// by TenantLine; in JSON, {"plan": ..., "tenants": [...], "rollout": ...}
// whole. ro is nil for an apply of named tenants.
func Apply(w io.Writer, res *reconciler.Result, ro *landlord.Rollout, f Format) error {
	switch f {
	case FormatJSON:
		return writeJSON(w, struct {
			Plan    *planner.Plan             `json:"plan"`
			Tenants []reconciler.TenantResult `json:"tenants"`
			Rollout *landlord.Rollout         `json:"rollout,omitempty"`
		}{res.Plan, res.Tenants, ro})
	case FormatText, FormatMarkdown: // apply has no Markdown of its own
	default:
		return fmt.Errorf("render: unknown format %q: use text or json", f)
	}
	counts := map[reconciler.Outcome]int{}
	for _, t := range res.Tenants {
		counts[t.Outcome]++
	}
	fmt.Fprintf(w, "Applied: %s\n", OutcomeLine(len(res.Tenants), counts))
	if ro != nil && (len(ro.Waves) > 1 || ro.Status == landlord.RolloutHalted) {
		fmt.Fprintln(w, RolloutLine(*ro))
	}
	return nil
}

// RolloutLine summarises a rollout: "Rollout of abc123: halted at wave 1 ...".
func RolloutLine(ro landlord.Rollout) string {
	line := fmt.Sprintf("Rollout of %s (%s): ", ShortCommit(ro.Commit), ro.Mode)
	switch ro.Status {
	case landlord.RolloutHalted:
		line += "HALTED at wave " + fmt.Sprint(ro.Wave) + ": " + ro.Reason
	case landlord.RolloutFinished:
		line += "finished"
	case landlord.RolloutBaking:
		line += fmt.Sprintf("wave %d baking", ro.Wave)
	default:
		line += fmt.Sprintf("at wave %d", ro.Wave)
	}
	var parts []string
	for _, w := range ro.Waves {
		p := fmt.Sprintf("wave %d: %d/%d converged", w.Wave, w.Converged, w.Tenants)
		if len(w.Failed) > 0 {
			p += fmt.Sprintf(", %d failed", len(w.Failed))
		}
		if w.StartedAt.IsZero() {
			p = fmt.Sprintf("wave %d: %d not started", w.Wave, w.Tenants)
		}
		parts = append(parts, p)
	}
	return line + "\n  " + strings.Join(parts, "; ")
}

// ShortCommit names commit c for people: its first 12 characters, whole
// when it is a working tree's "<commit>-dirty", "the working tree" when "".
func ShortCommit(c string) string {
	if c == "" {
		return "the working tree"
	}
	if len(c) > 12 && !strings.Contains(c, "-") {
		return c[:12]
	}
	return c
}

// TenantLine describes what apply did to t, or "" when it found t in sync.
func TenantLine(t reconciler.TenantResult) string {
	var facts []string
	if t.Provisioned {
		facts = append(facts, "provisioned")
	}
	applied := 0
	for _, s := range t.Statements {
		if s.Outcome == landlord.StatementApplied {
			applied++
		}
	}
	if applied > 0 {
		facts = append(facts, plural(applied, "statement")+" applied")
	}
	if len(t.Seeds) > 0 {
		facts = append(facts, plural(len(t.Seeds), "seed file")+" run")
	}
	for _, s := range t.SeedsChanged {
		facts = append(facts, "seed "+s+" changed after it ran (not run again: add a new seed file instead)")
	}
	for _, u := range t.Unmanaged {
		facts = append(facts, "unmanaged "+u.Object+" left in place")
	}
	if t.Error != "" {
		facts = append(facts, t.Error)
	}
	quiet := t.Outcome == reconciler.OutcomeConverged || t.Outcome == reconciler.OutcomeSuspended || t.Outcome == reconciler.OutcomeDecommissioned
	if len(facts) == 0 && quiet && len(t.Statements) == 0 {
		return "" // nothing happened: counted in the summary line only
	}
	line := t.Name + ": " + string(t.Outcome)
	if len(facts) > 0 {
		line += " (" + strings.Join(facts, "; ") + ")"
	}
	return line
}

// OutcomeLine summarises outcomes: "7 tenants: 5 converged, 1 blocked, 1 failed".
func OutcomeLine(n int, counts map[reconciler.Outcome]int) string {
	return plural(n, "tenant") + ": " + outcomeCounts(counts)
}

// outcomeCounts lists counts in outcomeOrder: "5 converged, 1 blocked".
func outcomeCounts(counts map[reconciler.Outcome]int) string {
	var parts []string
	for o, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c, o))
	}
	sort.Slice(parts, func(i, j int) bool { return outcomeRank(parts[i]) < outcomeRank(parts[j]) })
	return strings.Join(parts, ", ")
}

var outcomeOrder = []reconciler.Outcome{
	reconciler.OutcomeConverged, reconciler.OutcomeBlocked, reconciler.OutcomeDrifted, reconciler.OutcomeFailed,
	reconciler.OutcomeInterrupted, reconciler.OutcomeLocked, reconciler.OutcomeHeld, reconciler.OutcomeSuspended, reconciler.OutcomeDecommissioned,
}

func outcomeRank(part string) int {
	for i, o := range outcomeOrder {
		if strings.HasSuffix(part, " "+string(o)) {
			return i
		}
	}
	return len(outcomeOrder)
}

// ProgressLine is apply's progress bar: "[########------------] 40/100
// tenants (38 converged, 2 failed), ETA 1m30s", took being the time so far.
func ProgressLine(done, total int, counts map[reconciler.Outcome]int, took time.Duration) string {
	const width = 20
	filled := width * done / total
	line := "[" + strings.Repeat("#", filled) + strings.Repeat("-", width-filled) + "] " +
		fmt.Sprintf("%d/%d tenants", done, total)
	if done > 0 {
		line += " (" + outcomeCounts(counts) + ")"
		if done < total {
			eta := took / time.Duration(done) * time.Duration(total-done)
			line += ", ETA " + eta.Round(time.Second).String()
		}
	}
	return line
}
