package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/stratadb/strata/planner"
)

// ANSI colours of the text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// renderText writes one section per tenant that needs attention (in-sync and
// skipped tenants are only counted), then the summary line.
func renderText(w io.Writer, p *planner.Plan, opts Options) error {
	bw := bufio.NewWriter(w)
	c := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	for _, t := range p.Tenants {
		if !t.NeedsAttention() {
			continue
		}
		fmt.Fprintf(bw, "%s %s (%s on %s): %s\n", c(ansiBold, "tenant"), c(ansiBold, t.Name), t.Database, t.Server, actionText(t))
		if t.Error != "" {
			fmt.Fprintf(bw, "  %s %s\n", c(ansiRed, "error:"), indent(t.Error, "    "))
		}
		for _, s := range t.Statements {
			m := marker(s)
			code := map[string]string{"+": ansiGreen, "~": ansiYellow, "-": ansiRed, "!": ansiRed + ansiBold}[m]
			line := m + " " + textSQL(s.SQL) + ";"
			if s.Kind == planner.DataDependent && len(s.Codes) > 0 {
				line += "  -- data-dependent: " + strings.Join(s.Codes, ", ")
			}
			fmt.Fprintf(bw, "  %s\n", c(code, line))
			if s.Archive != nil && s.Archive.Note != "" {
				fmt.Fprintf(bw, "      archive: %s\n", s.Archive.Note)
			}
			switch {
			case s.Withheld != "":
				fmt.Fprintf(bw, "      withheld: %s\n", s.Withheld)
			case s.Blocked:
				fmt.Fprintf(bw, "      blocked: %s\n", ApprovalHint(t.Name, s.Approval))
				if s.Note != "" {
					fmt.Fprintf(bw, "      note: %s\n", s.Note)
				}
			}
		}
		if len(t.Divergences) > 0 {
			fmt.Fprintf(bw, "  %s\n", c(ansiRed, "diverged (live differs from desired; no statement changes it):"))
			for _, d := range t.Divergences {
				fmt.Fprintf(bw, "    %s\n", d)
			}
		}
		if len(t.Unmanaged) > 0 {
			fmt.Fprintf(bw, "  %s\n", c(ansiYellow, "unmanaged (no layer declares them; kept):"))
			for _, u := range t.Unmanaged {
				fmt.Fprintf(bw, "    %s\n", u.Object)
			}
		}
		bw.WriteString("\n")
	}
	fmt.Fprintln(bw, c(ansiBold, SummaryLine(p.Summary)))
	return bw.Flush()
}

func actionText(t planner.TenantPlan) string {
	switch t.Action {
	case planner.ActionCreate:
		return "create"
	case planner.ActionChange:
		return "change"
	case planner.ActionBlocked:
		return "blocked (waits for approval)"
	case planner.ActionFailed:
		return "failed"
	case planner.ActionNone:
		return "in sync"
	case planner.ActionSkip:
		return "skipped"
	case planner.ActionDiverged:
		return "diverged (not in sync)"
	}
	return string(t.Action)
}

// oneLineSQL collapses a statement's whitespace so it reads as one line.
func oneLineSQL(s string) string { return strings.Join(strings.Fields(s), " ") }

// textSQL is a statement as the text format shows it: on one line, and a new
// table by its name only, since its definition is the layer file under
// review (JSON and Markdown keep the whole statement).
func textSQL(s string) string {
	s = oneLineSQL(s)
	if strings.HasPrefix(s, "CREATE TABLE ") {
		if i := strings.Index(s, " ("); i > 0 {
			return s[:i] + " (…)"
		}
	}
	return s
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
