// Package render is where the CLI's output for people and machines is
// rendered, from the same structures: plans and pull-request plans (text,
// coloured on a terminal; JSON; Markdown), and what the reconciler reports:
// apply results and progress, the fleet's and a tenant's status, drift, and
// archives (text and JSON). The CLI reads, calls render, and picks the exit
// status; render does no I/O besides writing to the io.Writer it is given.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stratadb/strata/planner"
)

// Format is an output format.
type Format string

// Output formats.
const (
	FormatText     Format = "text"     // terminals
	FormatJSON     Format = "json"     // machines; the shape is documented in the package doc
	FormatMarkdown Format = "markdown" // pull-request comments
)

// ParseFormat returns the format named s (text, json or markdown).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatText, FormatJSON, FormatMarkdown:
		return f, nil
	}
	return "", fmt.Errorf("render: unknown format %q: use text, json or markdown", s)
}

// Options tune Plan.
type Options struct {
	// Color turns on ANSI colours in the text format. The CLI sets it when
	// stdout is a terminal and NO_COLOR is unset.
	Color bool
}

// Plan writes p in format f. The summary is recomputed from p.Tenants, so
// every format reports the same counts; p itself is not changed.
func Plan(w io.Writer, p *planner.Plan, f Format, opts Options) error {
	q := normalized(p)
	var err error
	switch f {
	case FormatText:
		err = renderText(w, q, opts)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(q)
	case FormatMarkdown:
		err = renderMarkdown(w, q)
	default:
		return fmt.Errorf("render: unknown format %q: use text, json or markdown", f)
	}
	if err != nil {
		return fmt.Errorf("render: %s: %w", f, err)
	}
	return nil
}

// normalized returns a copy of p with its summary recomputed and empty
// statement lists as [] rather than null in JSON.
func normalized(p *planner.Plan) *planner.Plan {
	q := &planner.Plan{Commit: p.Commit, Tenants: make([]planner.TenantPlan, len(p.Tenants))}
	copy(q.Tenants, p.Tenants)
	for i := range q.Tenants {
		if q.Tenants[i].Statements == nil {
			q.Tenants[i].Statements = []planner.Statement{}
		}
	}
	q.Summarize()
	return q
}

// SummaryLine is the one-line summary every format ends with (text) or
// starts with (Markdown), e.g.
// "6 tenants: 1 to create, 2 to change (7 statements), 1 blocked, 2 in sync";
// failed, skipped and diverged counts are appended when not zero.
func SummaryLine(s planner.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d to create, %d to change (%s), %d blocked, %d in sync",
		plural(s.Tenants, "tenant"), s.Create, s.Change, plural(s.Statements, "statement"), s.Blocked, s.InSync)
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", s.Failed)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", s.Skipped)
	}
	if s.Diverged > 0 {
		fmt.Fprintf(&b, ", %d diverged", s.Diverged)
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// ApprovalHint says how to approve a blocked statement of tenant.
func ApprovalHint(tenant, approval string) string {
	return fmt.Sprintf("approve by adding `%s` under approve.destructive in tenants/%s/tenant.yaml", approval, tenant)
}

// marker is the one-character kind marker of the text format.
func marker(s planner.Statement) string {
	switch {
	case s.Blocked:
		return "!"
	case s.Kind == planner.Destructive:
		return "-"
	case s.Kind == planner.DataDependent:
		return "~"
	}
	return "+"
}
