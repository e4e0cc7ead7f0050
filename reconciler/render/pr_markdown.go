package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/stratadb/strata/planner"
)

// PRMarker is the hidden first line of the PR comment, by which
// `strata ci comment` finds and updates it (the forge's DefaultMarker).
const PRMarker = "<!-- strata:plan -->"

// DefaultPRBudget is the default size of the PR comment in characters:
// GitHub accepts 65,536; the rest is headroom for a marker key and the host.
const DefaultPRBudget = 60000

// maxNamesShown caps the tenant names listed for one group.
const maxNamesShown = 60

// PROptions tune PRMarkdown.
type PROptions struct {
	// Budget is the most characters (not bytes) to write; 0 means
	// DefaultPRBudget. Sections that do not fit are left out and counted;
	// a statement is never cut.
	Budget int
	// Command is the command line that prints the full plan, named in the
	// truncation note, e.g. "strata plan --base main".
	Command string
}

// PRMarkdown writes p as a pull-request comment: the hidden marker, a
// summary line and table, validation errors as path:line: message, blocked
// destructive changes with the approval to add and the file to add it to,
// removed tenants and status changes, what the merge meets on the live
// databases (with --live), then each group's SQL in a collapsed <details>
// section.
func PRMarkdown(w io.Writer, p *planner.PRPlan, opts PROptions) error {
	p.Summarize()
	budget := opts.Budget
	if budget <= 0 {
		budget = DefaultPRBudget
	}
	if opts.Command == "" {
		opts.Command = "strata plan --base " + p.Base.Ref
	}
	b := &budgeted{limit: budget - truncationReserve}
	b.must(prHeader(p))

	if items := validationItems(p); len(items) > 0 {
		b.must("\n### Validation errors\n\n")
		if n := b.list(items); n > 0 {
			b.must(fmt.Sprintf("- … and %d more problems not shown\n", n))
		}
	}
	groups := p.Groups()
	if items := blockedItems(groups); len(items) > 0 {
		b.must("\n### Blocked destructive changes\n\nMerging applies everything else; these statements wait until the approval is merged. Approvals in any of the named files count.\n\n")
		if n := b.list(items); n > 0 {
			b.must(fmt.Sprintf("- … and %d more blocked changes not shown\n", n))
		}
	}
	if items := lifecycleItems(p); len(items) > 0 {
		b.must("\n### Removed tenants and status changes\n\n")
		if n := b.list(items); n > 0 {
			b.must(fmt.Sprintf("- … and %d more not shown\n", n))
		}
	}
	if p.Live != nil && p.Base.Valid() && p.Head.Valid() {
		writeLive(b, p, opts.Command)
	}
	if len(groups) > 0 {
		b.must("\n### Changes by tenant\n")
		for i, g := range groups {
			if b.add(groupSection(g, len(g.Statements))) {
				continue
			}
			// The first section that does not fit shows the statements that do.
			partial := false
			for n := len(g.Statements) - 1; n > 0 && !partial; n-- {
				partial = b.add(groupSection(g, n))
			}
			tenants := 0
			for _, r := range groups[i+1:] {
				tenants += len(r.Tenants)
			}
			if !partial {
				tenants += len(g.Tenants)
			}
			if tenants > 0 {
				b.must(fmt.Sprintf("\n… and %s not shown (comment size limit); run `%s` for the full plan.\n", plural(tenants, "more tenant"), opts.Command))
			}
			break
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// truncationReserve keeps room for the notes that say what was left out.
const truncationReserve = 400

// budgeted builds a string of at most limit characters from optional parts
// (must parts are always written; they are small).
type budgeted struct {
	strings.Builder
	limit, used int
}

func (b *budgeted) must(s string) {
	b.WriteString(s)
	b.used += utf8.RuneCountInString(s)
}

// add writes s when it fits.
func (b *budgeted) add(s string) bool {
	n := utf8.RuneCountInString(s)
	if b.used+n > b.limit {
		return false
	}
	b.must(s)
	return true
}

// list adds items while they fit and returns how many did not.
func (b *budgeted) list(items []string) int {
	for i, it := range items {
		if !b.add(it) {
			return len(items) - i
		}
	}
	return 0
}

func prHeader(p *planner.PRPlan) string {
	s := p.Summary
	var h strings.Builder
	h.WriteString(PRMarker + "\n")
	fmt.Fprintf(&h, "### strata plan: %s → %s\n\n", sideLabel(p.Base), sideLabel(p.Head))
	switch {
	case !p.Base.Valid() || !p.Head.Valid():
		fmt.Fprintf(&h, "**The config repo is invalid (%s): nothing was planned.** Fix the problems below; this comment updates on the next push.\n", plural(s.Problems, "problem"))
	case s.Create+s.Change+s.Blocked+s.Removed+s.Invalid == 0:
		fmt.Fprintf(&h, "**No tenant database changes: %s unchanged.**\n", plural(s.Tenants, "tenant"))
	default:
		fmt.Fprintf(&h, "**%s: %d to create, %d to change (%s), %d blocked, %d failed validation, %d unchanged.**\n",
			plural(s.Tenants, "tenant"), s.Create, s.Change, plural(s.Statements, "statement"), s.Blocked, s.Invalid, s.Unchanged)
	}
	if line := p.RolloutLine(); line != "" && p.Base.Valid() && p.Head.Valid() {
		fmt.Fprintf(&h, "\n**Rollout:** %s. A wave with more than %d failed tenants halts the rest (`rollout.max_failures` in strata.yaml).\n",
			line, p.Head.Fleet.Config.Rollout.MaxFailures)
	}
	h.WriteString("\n| Tenants | Count |\n|---|---:|\n")
	for _, r := range []struct {
		label string
		n     int
	}{
		{"Created", s.Create}, {"Changed", s.Change}, {"Blocked", s.Blocked},
		{"Failed validation", s.Invalid}, {"Removed", s.Removed}, {"Unchanged", s.Unchanged},
	} {
		fmt.Fprintf(&h, "| %s | %d |\n", r.label, r.n)
	}
	return h.String()
}

// sideLabel names a side: `main` (`4f1c2a9b3d0e`), or `worktree`.
func sideLabel(s planner.PRSide) string {
	label := "`" + mdTick(s.Ref) + "`"
	if s.Commit != "" {
		c := s.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if c != s.Ref {
			label += " (`" + c + "`)"
		}
	}
	return label
}

// validationItems lists every diagnostic of both sides and every tenant whose
// layer SQL the dev server rejected, as path:line: message.
func validationItems(p *planner.PRPlan) []string {
	var items []string
	for _, side := range []struct {
		name string
		s    planner.PRSide
	}{{"base", p.Base}, {"head", p.Head}} {
		for _, d := range side.s.Diagnostics {
			loc := d.Path
			if d.Line > 0 {
				loc += fmt.Sprintf(":%d", d.Line)
			}
			it := fmt.Sprintf("- %s: `%s`: %s", side.name, mdTick(loc), mdText(d.Message))
			if d.Hint != "" {
				it += " — " + mdText(d.Hint)
			}
			items = append(items, it+"\n")
		}
	}
	for _, t := range p.Tenants {
		if t.Action == planner.ActionFailed {
			items = append(items, fmt.Sprintf("- **%s**: `%s`\n", mdText(t.Name), mdTick(firstLine(t.Error))))
		}
	}
	return items
}

// blockedItems lists, per group and approval, the approval line to add and
// the files it may go in.
func blockedItems(groups []planner.PRGroup) []string {
	var items []string
	for _, g := range groups {
		for _, s := range g.Statements {
			if !s.Blocked {
				continue
			}
			files := make([]string, len(g.ApproveIn))
			for i, f := range g.ApproveIn {
				if f == planner.OwnApprovalFile && len(g.Tenants) == 1 {
					f = "tenants/" + g.Tenants[0] + "/tenant.yaml"
				}
				files[i] = "`" + mdTick(f) + "`"
			}
			where := strings.Join(files, " or ")
			if len(files) > 1 {
				where += " (the first approves it for every tenant of that layer)"
			}
			items = append(items, fmt.Sprintf("- %s: %s\n  add `- %s` under `approve.destructive` in %s%s\n",
				groupLabel(g), mdCode(oneLineSQL(s.SQL)), mdTick(s.Approval), where, mdNote(s.Note)))
		}
	}
	return items
}

func lifecycleItems(p *planner.PRPlan) []string {
	var items []string
	for _, n := range p.Removed {
		items = append(items, fmt.Sprintf("- **%s** is removed from the config repo: strata stops managing it; its database and users are left in place.\n", mdText(n)))
	}
	for _, t := range p.Tenants {
		if t.Status != "" {
			items = append(items, fmt.Sprintf("- **%s**: status `%s`\n", mdText(t.Name), strings.ReplaceAll(mdTick(t.Status), " -> ", "` → `")))
		}
	}
	return items
}

// groupLabel is "**acme**" or "**30 tenants** of template ngo".
func groupLabel(g planner.PRGroup) string {
	if len(g.Tenants) == 1 {
		return "**" + mdText(g.Tenants[0]) + "**"
	}
	l := "**" + plural(len(g.Tenants), "tenant") + "**"
	if g.Template != "" {
		l += " of template " + mdText(g.Template)
	}
	return l
}

func groupSummary(g planner.PRGroup) string {
	return fmt.Sprintf("<summary>%s: %s, %s</summary>", strings.ReplaceAll(groupLabel(g), "**", ""), g.Action, plural(len(g.Statements), "statement"))
}

// groupSection renders g with its first n statements in a <details> block.
func groupSection(g planner.PRGroup, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n<details>%s\n\n", groupSummary(g))
	if len(g.Tenants) > 1 {
		b.WriteString(tenantList(g.Tenants) + "\n")
	}
	if g.Error != "" {
		fmt.Fprintf(&b, "```\n%s\n```\n", strings.ReplaceAll(g.Error, "```", "'''"))
	}
	if len(g.Statements) > 0 {
		b.WriteString("```sql\n")
		for _, s := range g.Statements[:n] {
			fmt.Fprintf(&b, "-- %s", s.Kind)
			if s.Blocked {
				fmt.Fprintf(&b, ", blocked until `%s` is approved", s.Approval)
			}
			fmt.Fprintf(&b, "\n%s;\n", strings.ReplaceAll(s.SQL, "```", "'''"))
		}
		if more := len(g.Statements) - n; more > 0 {
			fmt.Fprintf(&b, "-- … and %s not shown (comment size limit)\n", plural(more, "more statement"))
		}
		b.WriteString("```\n")
	}
	if len(g.Unmanaged) > 0 {
		b.WriteString("\nNo longer declared by any layer (kept in the database; approve the drop to remove it):\n")
		for _, u := range g.Unmanaged {
			fmt.Fprintf(&b, "- `%s`\n", mdTick(u.Object))
		}
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// mdText escapes text for Markdown outside code: table pipes, HTML and
// emphasis characters.
func mdText(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'", "\n", " ").Replace(s)
}

// mdTick makes s safe inside a single-backtick code span.
func mdTick(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ").Replace(s)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
