package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/stratadb/strata/planner"
)

// renderMarkdown writes the summary line, a table of the tenants that need
// attention, the approvals that would unblock them, and each tenant's SQL in
// a collapsed <details> block.
func renderMarkdown(w io.Writer, p *planner.Plan) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "**%s**\n", SummaryLine(p.Summary))
	var shown []planner.TenantPlan
	for _, t := range p.Tenants {
		if t.NeedsAttention() {
			shown = append(shown, t)
		}
	}
	if len(shown) == 0 {
		return bw.Flush()
	}
	bw.WriteString("\n| Tenant | Database | Action | Statements | Blocked | Unmanaged |\n|---|---|---|---:|---:|---:|\n")
	for _, t := range shown {
		blocked := 0
		for _, s := range t.Statements {
			if s.Blocked {
				blocked++
			}
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %d | %d | %d |\n", mdCell(t.Name), mdCell(t.Database), t.Action, len(t.Statements), blocked, len(t.Unmanaged))
	}
	var approvals []string
	for _, t := range shown {
		for _, s := range t.Statements {
			switch {
			case s.Withheld != "":
				approvals = append(approvals, fmt.Sprintf("- **%s**: %s is withheld: %s", mdCell(t.Name), mdCode(oneLineSQL(s.SQL)), s.Withheld))
			case s.Blocked:
				approvals = append(approvals, fmt.Sprintf("- **%s**: %s is blocked; %s%s", mdCell(t.Name), mdCode(oneLineSQL(s.SQL)), ApprovalHint(t.Name, s.Approval), mdNote(s.Note)))
			}
		}
	}
	if len(approvals) > 0 {
		bw.WriteString("\n**Blocked destructive changes**\n\n")
		bw.WriteString(strings.Join(approvals, "\n"))
		bw.WriteString("\n")
	}
	for _, t := range shown {
		fmt.Fprintf(bw, "\n<details><summary>%s: %s (%s)</summary>\n\n", mdCell(t.Name), t.Action, plural(len(t.Statements), "statement"))
		if t.Error != "" {
			fmt.Fprintf(bw, "```\n%s\n```\n", strings.ReplaceAll(t.Error, "```", "'''"))
		}
		if len(t.Statements) > 0 {
			bw.WriteString("```sql\n")
			for _, s := range t.Statements {
				fmt.Fprintf(bw, "-- %s", s.Kind)
				switch {
				case s.Withheld != "":
					fmt.Fprintf(bw, ", withheld: %s", s.Withheld)
				case s.Blocked:
					fmt.Fprintf(bw, ", blocked: add `%s` under approve.destructive", s.Approval)
				case s.Archive != nil && s.Archive.Note != "":
					fmt.Fprintf(bw, ", %s", s.Archive.Note)
				}
				fmt.Fprintf(bw, "\n%s;\n", strings.ReplaceAll(s.SQL, "```", "'''"))
			}
			bw.WriteString("```\n")
		}
		if len(t.Divergences) > 0 {
			bw.WriteString("\nDiverged (live differs from desired; no statement changes it):\n")
			for _, d := range t.Divergences {
				fmt.Fprintf(bw, "- %s\n", mdCode(d.String()))
			}
		}
		if len(t.Unmanaged) > 0 {
			bw.WriteString("\nUnmanaged (no layer declares them; kept):\n")
			for _, u := range t.Unmanaged {
				fmt.Fprintf(bw, "- `%s`\n", u.Object)
			}
		}
		bw.WriteString("\n</details>\n")
	}
	return bw.Flush()
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// mdCode renders s as inline code; SQL holds backticks, so the span is
// delimited by double backticks and spaces.
func mdCode(s string) string {
	return "`` " + strings.ReplaceAll(s, "``", "` `") + " ``"
}

// mdNote renders a statement's note after its approval hint ("" when none).
func mdNote(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}
