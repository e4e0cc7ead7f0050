package reconciler

import (
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/drift"
)

// Strata's own changes since a baseline are not drift. Under drift strategy
// report no snapshot is taken, so the baseline stays the one from before the
// drift while spec changes that do not touch drifted objects still run; a
// table strata created since would otherwise be "added by hand", and every
// later spec change to it withheld. Likewise a failed or killed run leaves
// its work half done, and only that work is exempt: a hand change beside it
// is still drift. withOwn moves the objects strata's recorded statements
// (applied, or running when a strata died) changed from the live schema into
// the baseline, so that neither the drift report, nor the repair, nor the
// strategy sees them.

// withOwn returns base with every difference from base to live that one of
// stmts (statements strata ran since base was taken) explains taken from
// live: the objects the statements name, at the granularity drift reports
// (a table, or a column, index, foreign key or check of one). base and live
// are left as they were; base is returned as is when nothing is explained.
func withOwn(base, live *schema.Schema, diffs []drift.Difference, stmts []string) *schema.Schema {
	var own []drift.Difference
	for _, d := range diffs {
		if explains(stmts, d) {
			own = append(own, d)
		}
	}
	if len(own) == 0 {
		return base
	}
	out, lv := planner.CopySchema(base, base.Name), planner.CopySchema(live, base.Name)
	for _, d := range own {
		if d.Object == drift.Table {
			out.Tables = slices.DeleteFunc(out.Tables, func(t *schema.Table) bool { return t.Name == d.Table })
			if lt, ok := lv.Table(d.Table); ok {
				lt.Schema = out
				out.Tables = append(out.Tables, lt)
			}
			continue
		}
		ot, ok1 := out.Table(d.Table)
		lt, ok2 := lv.Table(d.Table)
		if !ok1 || !ok2 {
			continue
		}
		switch d.Object {
		case drift.Column:
			ot.Columns = slices.DeleteFunc(ot.Columns, func(c *schema.Column) bool { return c.Name == d.Name })
			if c, ok := lt.Column(d.Name); ok {
				ot.Columns = append(ot.Columns, c)
			}
		case drift.Index:
			ot.Indexes = slices.DeleteFunc(ot.Indexes, func(i *schema.Index) bool { return i.Name == d.Name })
			if i, ok := lt.Index(d.Name); ok {
				i.Table = ot
				ot.Indexes = append(ot.Indexes, i)
			}
		case drift.ForeignKey:
			ot.ForeignKeys = slices.DeleteFunc(ot.ForeignKeys, func(f *schema.ForeignKey) bool { return f.Symbol == d.Name })
			if f, ok := lt.ForeignKey(d.Name); ok {
				f.Table = ot
				ot.ForeignKeys = append(ot.ForeignKeys, f)
			}
		case drift.Check:
			named := func(a schema.Attr) bool { c, ok := a.(*schema.Check); return ok && c.Name == d.Name }
			ot.Attrs = slices.DeleteFunc(ot.Attrs, named)
			if i := slices.IndexFunc(lt.Attrs, named); i >= 0 {
				ot.Attrs = append(ot.Attrs, lt.Attrs[i])
			}
		}
	}
	return out
}

// explains reports whether one of stmts changed d's object: the statement's
// table is d's, and for a column, index, foreign key or check it names the
// object too. Only the statement's own table counts: a CREATE TABLE whose
// foreign key REFERENCES `members` (`id`) changes nothing of members.
// Schema options, primary keys, table options and renames are never
// explained (strata's plans do not change schema options, and a table-wide
// attribute cannot be told from a hand change to the same table).
func explains(stmts []string, d drift.Difference) bool {
	named := d.Object == drift.Column || d.Object == drift.Index || d.Object == drift.ForeignKey || d.Object == drift.Check
	if d.Table == "" || d.Change == drift.Renamed || (d.Object != drift.Table && (!named || d.Name == "")) {
		return false
	}
	for _, q := range stmts {
		names := backquotedList(q)
		if len(names) == 0 || statementTable(q, names) != d.Table {
			continue
		}
		if d.Object == drift.Table || slices.Contains(names, d.Name) {
			return true
		}
	}
	return false
}

// statementTable returns the table statement q (as Atlas writes it) changes:
// the first name after CREATE/ALTER/DROP/RENAME TABLE, the one after ON in
// CREATE INDEX or DROP INDEX.
func statementTable(q string, names []string) string {
	head, _, _ := strings.Cut(strings.ToUpper(q), "`")
	if strings.Contains(head, "INDEX") && len(names) > 1 {
		return names[1]
	}
	return names[0]
}
