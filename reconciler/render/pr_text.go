package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stratadb/strata/planner"
)

// PR writes p as Markdown (the PR comment), JSON, or a short text form.
func PR(w io.Writer, p *planner.PRPlan, f Format, opts PROptions) error {
	switch f {
	case FormatMarkdown:
		return PRMarkdown(w, p, opts)
	case FormatJSON:
		p.Summarize()
		waves := p.Rollout()
		if len(waves) < 2 {
			waves = nil // one wave: nothing is gated
		}
		return writeJSON(w, struct {
			*planner.PRPlan
			Groups     []planner.PRGroup     `json:"groups"`
			LiveGroups []planner.PRLiveGroup `json:"live_groups,omitempty"`
			Rollout    []planner.WaveCount   `json:"rollout,omitempty"`
		}{p, p.Groups(), p.Live.Groups(), waves})
	}
	return prText(w, p)
}

// prText prints one block per group and the summary last.
func prText(w io.Writer, p *planner.PRPlan) error {
	var b strings.Builder
	for _, side := range []planner.PRSide{p.Base, p.Head} {
		for _, d := range side.Diagnostics {
			fmt.Fprintf(&b, "%s: %s\n", side.Ref, d.String())
		}
	}
	for _, g := range p.Groups() {
		fmt.Fprintf(&b, "%s (%s): %s\n", strings.Join(g.Tenants, ", "), g.Action, plural(len(g.Statements), "statement"))
		if g.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", g.Error)
		}
		for _, s := range g.Statements {
			fmt.Fprintf(&b, "  %s: %s;\n", s.Kind, s.SQL)
			if s.Blocked {
				fmt.Fprintf(&b, "    blocked: add `%s` under approve.destructive in %s\n", s.Approval, strings.Join(g.ApproveIn, " or "))
			}
		}
	}
	for _, n := range p.Removed {
		fmt.Fprintf(&b, "%s: removed from the config repo (database left in place)\n", n)
	}
	if p.Live != nil {
		liveText(&b, p.Live)
	}
	if line := p.RolloutLine(); line != "" {
		fmt.Fprintf(&b, "Rollout: %s\n", line)
	}
	s := p.Summary
	fmt.Fprintf(&b, "Plan %s -> %s: %s: %d to create, %d to change (%s), %d blocked, %d failed validation, %d removed, %d unchanged\n",
		p.Base.Ref, p.Head.Ref, plural(s.Tenants, "tenant"), s.Create, s.Change, plural(s.Statements, "statement"), s.Blocked, s.Invalid, s.Removed, s.Unchanged)
	_, err := io.WriteString(w, b.String())
	return err
}

// liveText prints one line per live group, its differing statements
// below it.
func liveText(b *strings.Builder, l *planner.PRLive) {
	if l.Note != "" {
		fmt.Fprintf(b, "live: %s\n", l.Note)
	}
	for _, g := range l.Groups() {
		fmt.Fprintf(b, "live %s (%s", strings.Join(g.Tenants, ", "), g.Finding)
		if g.Record != "" {
			fmt.Fprintf(b, "; landlord: %s", g.Record)
		}
		b.WriteString(")\n")
		if g.Error != "" {
			fmt.Fprintf(b, "  error: %s\n", g.Error)
		}
		for _, s := range g.Extra {
			fmt.Fprintf(b, "  also %s: %s;\n", s.Kind, s.SQL)
			if s.Blocked {
				fmt.Fprintf(b, "    blocked until `%s` is approved\n", s.Approval)
			}
		}
		for _, s := range g.Absent {
			fmt.Fprintf(b, "  not run here: %s;\n", s.SQL)
		}
		for _, u := range g.Unmanaged {
			fmt.Fprintf(b, "  unmanaged: %s\n", u.Object)
		}
	}
	s := l.Summary
	fmt.Fprintf(b, "Live: %s: %d at the base, %d failed, %d missing, %d drifted, %d pending, %d existing, %d with unmanaged tables\n",
		plural(s.Tenants, "tenant"), s.AtBase, s.Failed, s.Missing, s.Drifted, s.Pending, s.Exists, s.Unmanaged)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
