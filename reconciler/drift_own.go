package reconciler

import (
	"slices"

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
// objs (changed by statements strata ran since base was taken) explains taken from
// live: the objects the statements name, at the granularity drift reports
// (a table, or a column, index, foreign key or check of one). base and live
// are left as they were; base is returned as is when nothing is explained.
func withOwn(base, live *schema.Schema, diffs []drift.Difference, objs []planner.Object) *schema.Schema {
	var own []drift.Difference
	for _, d := range diffs {
		if explains(objs, d) {
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

// explains reports whether one of objs (changed by statements strata ran
// since the baseline) is d's object: the table itself when strata created
// or dropped it, else the same column, index, foreign key or check.
// Schema options, primary keys, table options and renames are never
// explained (strata's plans do not change schema options, and a table-wide
// attribute cannot be told from a hand change to the same table).
func explains(objs []planner.Object, d drift.Difference) bool {
	named := d.Object == drift.Column || d.Object == drift.Index || d.Object == drift.ForeignKey || d.Object == drift.Check
	if d.Table == "" || d.Change == drift.Renamed || (d.Object != drift.Table && (!named || d.Name == "")) {
		return false
	}
	for _, o := range objs {
		switch {
		case o.Table != d.Table:
		case o.Kind == planner.ObjectTable:
			return true
		case d.Object != drift.Table && string(o.Kind) == string(d.Object) && o.Name == d.Name:
			return true
		}
	}
	return false
}

// parseObjects reads objects as the landlord stores them (planner.Object's
// String); statements recorded before objects were, have none.
func parseObjects(stored []string) []planner.Object {
	var out []planner.Object
	for _, s := range stored {
		if o, ok := planner.ParseObject(s); ok {
			out = append(out, o)
		}
	}
	return out
}
