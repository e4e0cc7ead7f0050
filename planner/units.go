package planner

import (
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// A unit is a set of changes to one table that MariaDB must see together,
// or that make sense only together: a replacement (the drop and the add of
// one name), a foreign key and the index MariaDB made for it, a primary key
// and the AUTO_INCREMENT column it keys. A unit is planned as one statement
// (two for a foreign-key replacement: MariaDB refuses the drop and the add
// of one constraint in one ALTER TABLE), has the class of its drop, and so
// is blocked or approved as a whole.
type unit struct {
	changes []schema.Change
	class
	group
	// after places a re-added column: "AFTER `c`" or "FIRST" ("" at the end).
	after string
	// ifExists drops an index only if it still exists: MariaDB drops an
	// index it made for a foreign key by itself once another one serves it.
	ifExists bool
}

// group orders the statements of one ALTER TABLE that split divides.
type group int

const (
	groupRename group = iota - 1 // renames: planned apart, before everything
	groupFKDrop                  // foreign-key drops: an index or column they use cannot go before them
	groupDrop                    // index, primary-key and check drops and replacements
	groupRest                    // every non-destructive change, together
	groupCols                    // column drops and narrowing changes, one each
	groupLate                    // drops of indexes a kept foreign key needs until the new one exists
	groupFKAdd                   // re-added foreign keys: after every table's changes, whatever they reference exists
)

// units maps each change that belongs to a unit to that unit.
type units map[schema.Change]*unit

func (us units) add(u *unit) {
	for _, c := range u.changes {
		us[c] = u
	}
}

// liveIndexes records every live table's indexes before the diff: Atlas's
// normalization removes, from the live side, indexes that support a
// foreign key and that the desired schema does not declare.
func liveIndexes(live *schema.Schema) map[string][]*schema.Index {
	out := make(map[string][]*schema.Index, len(live.Tables))
	for _, t := range live.Tables {
		out[t.Name] = append([]*schema.Index(nil), t.Indexes...)
	}
	return out
}

// prepare rewrites the diff engine's changes into the ones strata plans and
// groups them into units. live is the live schema after the diff, before its
// indexes as liveIndexes recorded them; to is the desired schema.
func prepare(changes []schema.Change, live *schema.Schema, before map[string][]*schema.Index, to *schema.Schema) ([]schema.Change, units) {
	us := make(units)
	changes = dropHiddenIndexes(changes, live, before, to)
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok {
			m.Changes = expand(m.T, m.Changes, us)
		}
	}
	changes = releaseKeys(changes, live, to, us)
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok {
			lt, _ := live.Table(m.T.Name)
			pair(m.T, lt, m.Changes, us)
		}
	}
	return changes, us
}

// dropHiddenIndexes adds a DropIndex for every live index the desired
// schema does not have and the diff engine hid (an index MariaDB made for a
// foreign key): otherwise dropping the foreign key leaves it, and only the
// next plan would ask to drop it.
func dropHiddenIndexes(changes []schema.Change, live *schema.Schema, before map[string][]*schema.Index, to *schema.Schema) []schema.Change {
	for _, lt := range live.Tables {
		dt, ok := to.Table(lt.Name)
		if !ok {
			continue
		}
		for _, idx := range before[lt.Name] {
			if _, kept := lt.Index(idx.Name); kept {
				continue
			}
			if _, declared := dt.Index(idx.Name); declared {
				continue
			}
			m := modifyOf(&changes, dt)
			m.Changes = append(m.Changes, &schema.DropIndex{I: idx})
		}
	}
	return changes
}

// modifyOf returns the ModifyTable of t in changes, adding one if none.
func modifyOf(changes *[]schema.Change, t *schema.Table) *schema.ModifyTable {
	for _, c := range *changes {
		if m, ok := c.(*schema.ModifyTable); ok && m.T.Name == t.Name {
			return m
		}
	}
	m := &schema.ModifyTable{T: t}
	*changes = append(*changes, m)
	return m
}

// expand replaces the diff engine's modifications that MariaDB can only do
// as a drop and an add (an index, a foreign key, a column whose generated
// kind changes) by that drop and add, recording the units they form.
func expand(t *schema.Table, changes []schema.Change, us units) []schema.Change {
	out := make([]schema.Change, 0, len(changes))
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.ModifyIndex:
			out = append(out, &schema.DropIndex{I: c.From}, &schema.AddIndex{I: c.To})
		case *schema.ModifyForeignKey:
			out = append(out, &schema.DropForeignKey{F: c.From}, &schema.AddForeignKey{F: c.To})
		case *schema.ModifyColumn:
			if u := regenerate(t, c); u != nil {
				us.add(u)
				out = append(out, u.changes...)
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// pair groups the changes of ALTER TABLE t (lt: the live table) into units.
func pair(t, lt *schema.Table, changes []schema.Change, us units) {
	free := func(c schema.Change) bool { return free(us, c) }
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropForeignKey:
			if !free(c) {
				continue
			}
			drop := &unit{changes: []schema.Change{c}, class: classifyModify(t.Name, c), group: groupFKDrop}
			for _, o := range changes {
				if d, ok := o.(*schema.DropIndex); ok && free(d) && supports(d.I, c.F) {
					drop.changes = append(drop.changes, d)
					if a, ok := sameName(d, changes, free); ok {
						drop.changes = append(drop.changes, a)
					}
				}
			}
			us.add(drop)
			for _, o := range changes {
				if a, ok := o.(*schema.AddForeignKey); ok && free(a) && strings.EqualFold(a.F.Symbol, c.F.Symbol) {
					us.add(&unit{changes: []schema.Change{a}, class: drop.class, group: groupFKAdd})
				}
			}
		case *schema.DropPrimaryKey:
			if u := pkDropUnit(t, c, changes, free); u != nil {
				us.add(u)
			}
		case *schema.DropColumn:
			if u := pkColumnUnit(t, lt, c, changes, free); u != nil {
				us.add(u)
			}
		}
	}
	for _, c := range changes {
		if !free(c) {
			continue
		}
		if a, ok := sameName(c, changes, free); ok {
			u := &unit{changes: []schema.Change{c, a}, class: classifyModify(t.Name, c), group: groupDrop}
			if r := renameIndex(c, a); r != nil {
				// Only the letter case of the name changes: rename it, no approval.
				u = &unit{changes: []schema.Change{r}, class: class{kind: Additive}, group: groupRest}
				us[c], us[a] = u, u
			} else {
				us.add(u)
			}
			continue
		}
		if d, ok := c.(*schema.DropIndex); ok && neededByKeptFK(d.I, lt, t) {
			us.add(&unit{changes: []schema.Change{d}, class: classifyModify(t.Name, d), group: groupLate, ifExists: true})
		}
	}
}

// sameName returns the add that replaces drop c: an index or check of the
// same name in any letter case (MariaDB compares these names without case).
func sameName(c schema.Change, changes []schema.Change, free func(schema.Change) bool) (schema.Change, bool) {
	for _, o := range changes {
		if !free(o) {
			continue
		}
		switch c := c.(type) {
		case *schema.DropIndex:
			if a, ok := o.(*schema.AddIndex); ok && strings.EqualFold(a.I.Name, c.I.Name) {
				return a, true
			}
		case *schema.DropCheck:
			if a, ok := o.(*schema.AddCheck); ok && c.C.Name != "" && strings.EqualFold(a.C.Name, c.C.Name) {
				return a, true
			}
		}
	}
	return nil, false
}

// supports reports whether idx is the index MariaDB uses for fk: named after
// it, or on exactly its columns.
func supports(idx *schema.Index, fk *schema.ForeignKey) bool {
	if strings.EqualFold(idx.Name, fk.Symbol) {
		return true
	}
	return leads(idx, fk.Columns) && len(idx.Parts) == len(fk.Columns)
}

// leads reports whether cols are the first parts of idx, in order.
func leads(idx *schema.Index, cols []*schema.Column) bool {
	if len(cols) == 0 || len(idx.Parts) < len(cols) {
		return false
	}
	for i, c := range cols {
		if idx.Parts[i].C == nil || !strings.EqualFold(idx.Parts[i].C.Name, c.Name) {
			return false
		}
	}
	return true
}

// neededByKeptFK reports whether live index idx is the index a foreign key
// that the desired table t keeps uses now: it can only go once another
// index serves that key, so after the other changes.
func neededByKeptFK(idx *schema.Index, lt, t *schema.Table) bool {
	if lt == nil {
		return false
	}
	for _, fk := range lt.ForeignKeys {
		if _, kept := t.ForeignKey(fk.Symbol); kept && leads(idx, fk.Columns) {
			return true
		}
	}
	return false
}

// autoIncrement reports whether c is an AUTO_INCREMENT column.
func autoIncrement(c *schema.Column) bool {
	for _, a := range c.Attrs {
		if _, ok := a.(*mysql.AutoIncrement); ok {
			return true
		}
	}
	return false
}

// prerequisites returns, for each step, the foreign-key drops it needs to
// run first: a column or table that a foreign key uses cannot be dropped or
// change its type while the key exists (Error 1828, 1829, 1832, 1833,
// 1451), so such a change waits for the approval of the key's drop too.
func prerequisites(steps []step) [][]int {
	type fkDrop struct {
		i  int
		fk *schema.ForeignKey
	}
	var fks []fkDrop
	for i, s := range steps {
		if m, ok := s.source.(*schema.ModifyTable); ok {
			for _, c := range m.Changes {
				if d, ok := c.(*schema.DropForeignKey); ok {
					fks = append(fks, fkDrop{i, d.F})
				}
			}
		}
	}
	out := make([][]int, len(steps))
	for i, s := range steps {
		for _, f := range fks {
			if f.i != i && needsGone(s.source, f.fk) {
				out[i] = append(out[i], f.i)
			}
		}
	}
	return out
}

// needsGone reports whether change c drops or retypes something foreign
// key fk uses.
func needsGone(c schema.Change, fk *schema.ForeignKey) bool {
	switch c := c.(type) {
	case *schema.DropTable:
		return fk.RefTable != nil && fk.RefTable.Name == c.T.Name && fk.Table.Name != c.T.Name
	case *schema.ModifyTable:
		for _, o := range c.Changes {
			switch o := o.(type) {
			case *schema.DropColumn:
				if uses(fk, c.T.Name, o.C.Name) {
					return true
				}
			case *schema.ModifyColumn:
				if o.Change.Is(schema.ChangeType|schema.ChangeCharset|schema.ChangeCollate) && uses(fk, c.T.Name, o.From.Name) {
					return true
				}
			}
		}
	}
	return false
}

func hasColumn(cols []*schema.Column, name string) bool {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}
