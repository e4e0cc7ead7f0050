package render

import (
	"fmt"
	"strings"

	"github.com/stratadb/strata/planner"
)

// liveHeading titles the live section of the PR comment.
const liveHeading = "\n### What the merge meets on the live databases\n\n"

// writeLive renders p.Live into b: a count line, then one paragraph per
// group with its SQL collapsed, while the budget lasts.
func writeLive(b *budgeted, p *planner.PRPlan, command string) {
	l := p.Live
	b.must(liveHeading)
	if l.Note != "" {
		b.must("_" + mdText(l.Note) + "_\n\n")
	}
	s := l.Summary
	base := "`" + mdTick(p.Base.Ref) + "`"
	if len(l.Tenants) == 0 {
		b.must(fmt.Sprintf("**%s at %s: applying the merge runs exactly the changes below.**\n", allAt(s.Tenants), base))
		writeDrops(b, l.Drops)
		return
	}
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{s.Failed, "could not be planned"}, {s.Missing, "missing"}, {s.Drifted, "drifted"},
		{s.Pending, "with earlier changes pending"}, {s.Exists, "already existing"}, {s.Unmanaged, "with unmanaged tables"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	b.must(fmt.Sprintf("**%d of %s not at %s: %s; %d at the base.**\n", len(l.Tenants), plural(s.Tenants, "tenant")+isAre(len(l.Tenants)),
		base, strings.Join(parts, ", "), s.AtBase))
	writeDrops(b, l.Drops)
	groups := l.Groups()
	for i, g := range groups {
		if b.add(liveSection(g)) {
			continue
		}
		n := 0
		for _, r := range groups[i:] {
			n += len(r.Tenants)
		}
		b.must(fmt.Sprintf("\n… and %s not shown (comment size limit); run `%s --live` for the full plan.\n", plural(n, "more tenant"), command))
		return
	}
}

func allAt(n int) string {
	if n == 1 {
		return "The 1 tenant is"
	}
	return fmt.Sprintf("All %d tenants are", n)
}

// isAre agrees "N of M tenants" with its verb: "1 of 31 tenants is".
func isAre(n int) string {
	if n == 1 {
		return " is"
	}
	return " are"
}

// liveSection renders one live group: who, what was found, the landlord's
// record, then the statements that differ from the pull request's change.
func liveSection(g planner.PRLiveGroup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s (%s): %s.", groupLabel(planner.PRGroup{Tenants: g.Tenants, Template: g.Template}), g.Finding, g.Finding.Text())
	if g.Record != "" {
		fmt.Fprintf(&b, " Landlord: `%s`.", mdTick(g.Record))
	} else if g.Finding != planner.LiveFailed {
		b.WriteString(" The landlord has no record.")
	}
	b.WriteString("\n")
	if len(g.Tenants) > 1 {
		b.WriteString("\n" + tenantList(g.Tenants))
	}
	if g.Error != "" {
		fmt.Fprintf(&b, "\n```\n%s\n```\n", strings.ReplaceAll(g.Error, "```", "'''"))
	}
	if len(g.Extra) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%s beyond this pull request's change%s</summary>\n\n%s\n</details>\n",
			plural(len(g.Extra), "statement"), blockedNote(g.Extra), sqlBlock(g.Extra))
	}
	if len(g.Absent) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%s of this pull request's change not run here</summary>\n\n%s\n</details>\n",
			plural(len(g.Absent), "statement"), sqlBlock(g.Absent))
	}
	if len(g.Unmanaged) > 0 {
		b.WriteString("\nUnmanaged:")
		for _, u := range g.Unmanaged {
			fmt.Fprintf(&b, " `%s`", mdTick(u.Object))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// blockedNote is ", 1 blocked" when some statements wait for approval.
func blockedNote(stmts []planner.Statement) string {
	n := 0
	for _, s := range stmts {
		if s.Blocked {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d blocked", n)
}

// tenantList is "Tenants: `a`, `b` and 3 more", at most maxNamesShown names.
func tenantList(tenants []string) string {
	names := tenants
	if len(names) > maxNamesShown {
		names = names[:maxNamesShown]
	}
	quoted := make([]string, len(names))
	for i, nm := range names {
		quoted[i] = "`" + mdTick(nm) + "`"
	}
	s := "Tenants: " + strings.Join(quoted, ", ")
	if more := len(tenants) - len(names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s + "\n"
}

// sqlBlock is stmts as a fenced SQL block, each with its kind.
func sqlBlock(stmts []planner.Statement) string {
	var b strings.Builder
	b.WriteString("```sql\n")
	for _, s := range stmts {
		fmt.Fprintf(&b, "-- %s", s.Kind)
		if s.Blocked {
			fmt.Fprintf(&b, ", blocked until `%s` is approved", s.Approval)
		}
		fmt.Fprintf(&b, "\n%s;\n", strings.ReplaceAll(s.SQL, "```", "'''"))
	}
	b.WriteString("```\n")
	return b.String()
}

// maxDropRows bounds the rows of the drops table in the PR comment.
const maxDropRows = 20

// writeDrops renders the data the approved drops archive or lose, measured
// on the live databases: a total, then one row per tenant and object.
func writeDrops(b *budgeted, drops []planner.PRLiveDrop) {
	if len(drops) == 0 {
		return
	}
	var keptRows, keptBytes, lostRows, lostBytes int64
	for _, d := range drops {
		if d.Archived {
			keptRows, keptBytes = keptRows+d.Values, keptBytes+d.Bytes
		} else {
			lostRows, lostBytes = lostRows+d.Values, lostBytes+d.Bytes
		}
	}
	b.must(fmt.Sprintf("\n**Approved drops: %s archived (%s; restored if a later commit brings the object back), %s lost (%s).**\n\n",
		plural(int(keptRows), "value"), planner.FormatBytes(keptBytes), plural(int(lostRows), "value"), planner.FormatBytes(lostBytes)))
	b.must("| Tenant | Dropped | Rows | Values | Bytes | Kept |\n|---|---|---:|---:|---:|---|\n")
	for i, d := range drops {
		if i == maxDropRows {
			b.must(fmt.Sprintf("\n… and %d more drops.\n", len(drops)-i))
			break
		}
		kept := "archived"
		if !d.Archived {
			kept = "**lost**: " + mdCell(d.Note)
		}
		b.must(fmt.Sprintf("| %s | %s `%s` | %d | %d | %s | %s |\n", mdCell(d.Tenant), d.Kind, mdTick(d.Object), d.Rows, d.Values, planner.FormatBytes(d.Bytes), kept))
	}
}
