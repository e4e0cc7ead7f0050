package planner

import (
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// pkDropUnit keeps a primary-key drop together with what becomes of its
// AUTO_INCREMENT column: MariaDB refuses an AUTO_INCREMENT column that is no
// key (Error 1075), so the drop must come in one statement with the
// column's change, its drop, or the index that keys it from then on. When
// the diff engine has no change for the column (it does not compare
// AUTO_INCREMENT), the unit modifies it to its desired definition.
func pkDropUnit(t *schema.Table, c *schema.DropPrimaryKey, changes []schema.Change, free func(schema.Change) bool) *unit {
	u := &unit{changes: []schema.Change{c}, class: classifyModify(t.Name, c), group: groupDrop}
	for _, p := range c.P.Parts {
		if p.C == nil || !autoIncrement(p.C) {
			continue
		}
		changed := false
		for _, o := range changes {
			if !free(o) {
				continue
			}
			switch o := o.(type) {
			case *schema.ModifyColumn:
				if strings.EqualFold(o.From.Name, p.C.Name) {
					u.changes, changed = append(u.changes, o), true
				}
			case *schema.DropColumn:
				if strings.EqualFold(o.C.Name, p.C.Name) {
					// The column's drop is the larger loss: its approval covers the key.
					u.changes, changed = append(u.changes, o), true
					u.class, u.group = classifyModify(t.Name, o), groupCols
				}
			case *schema.AddIndex:
				if leads(o.I, []*schema.Column{p.C}) {
					u.changes = append(u.changes, o)
				}
			}
		}
		if to, ok := t.Column(p.C.Name); ok && !changed && !autoIncrement(to) {
			u.changes = append(u.changes, &schema.ModifyColumn{From: p.C, To: to, Change: schema.ChangeAttr})
		}
	}
	if len(u.changes) == 1 {
		return nil
	}
	return u
}

// pkColumnUnit keeps the drop of an AUTO_INCREMENT primary-key column
// together with the primary key's change to other columns: apart, the key
// change leaves the column AUTO_INCREMENT without a key (Error 1075).
func pkColumnUnit(t, lt *schema.Table, c *schema.DropColumn, changes []schema.Change, free func(schema.Change) bool) *unit {
	if lt == nil || lt.PrimaryKey == nil || !autoIncrement(c.C) || !partOf(lt.PrimaryKey, c.C.Name) {
		return nil
	}
	for _, o := range changes {
		if m, ok := o.(*schema.ModifyPrimaryKey); ok && free(m) {
			return &unit{changes: []schema.Change{m, c}, class: classifyModify(t.Name, c), group: groupCols}
		}
	}
	return nil
}

func partOf(idx *schema.Index, column string) bool {
	for _, p := range idx.Parts {
		if p.C != nil && strings.EqualFold(p.C.Name, column) {
			return true
		}
	}
	return false
}

// regenerate returns the unit that changes column c of table t from or to a
// generated column, or between VIRTUAL and STORED, which MariaDB cannot do
// in place: drop the column and add it again at its place, in one statement.
// It is destructive, approved as the drop of the column. A STORED column
// that becomes a regular one keeps its values in place (nil).
func regenerate(t *schema.Table, c *schema.ModifyColumn) *unit {
	from, fromGen := generated(c.From)
	to, toGen := generated(c.To)
	switch {
	case !fromGen && !toGen, fromGen && toGen && from == to, fromGen && !toGen && from == "STORED":
		return nil
	}
	// MariaDB keeps the indexes on the column: the new one has its name.
	u := &unit{class: class{Destructive, "DROP COLUMN " + t.Name + "." + c.To.Name}, group: groupCols}
	u.changes = []schema.Change{&schema.DropColumn{C: c.From}, &schema.AddColumn{C: c.To}}
	u.after = "FIRST"
	for i, col := range t.Columns {
		if col == c.To {
			if i > 0 {
				u.after = "AFTER `" + t.Columns[i-1].Name + "`"
			}
			if i == len(t.Columns)-1 {
				u.after = ""
			}
		}
	}
	return u
}

// generated returns the storage of a generated column (VIRTUAL or STORED).
func generated(c *schema.Column) (string, bool) {
	for _, a := range c.Attrs {
		if g, ok := a.(*schema.GeneratedExpr); ok {
			switch s := strings.ToUpper(g.Type); s {
			case "", "VIRTUAL":
				return "VIRTUAL", true
			case "PERSISTENT":
				return "STORED", true
			default:
				return s, true
			}
		}
	}
	return "", false
}

// renameIndex returns the RENAME INDEX that turns drop's index into add's
// when they differ only in the letter case of the name; nil otherwise.
func renameIndex(drop, add schema.Change) schema.Change {
	d, ok1 := drop.(*schema.DropIndex)
	a, ok2 := add.(*schema.AddIndex)
	if !ok1 || !ok2 || d.I.Unique != a.I.Unique || len(d.I.Parts) != len(a.I.Parts) ||
		indexType(d.I.Attrs) != indexType(a.I.Attrs) || comment(d.I.Attrs) != comment(a.I.Attrs) {
		return nil
	}
	for i, p := range d.I.Parts {
		q := a.I.Parts[i]
		if p.C == nil || q.C == nil || !strings.EqualFold(p.C.Name, q.C.Name) || p.Desc != q.Desc || subPart(p.Attrs) != subPart(q.Attrs) {
			return nil
		}
	}
	return &schema.RenameIndex{From: d.I, To: a.I}
}

func indexType(attrs []schema.Attr) string {
	for _, a := range attrs {
		if t, ok := a.(*mysql.IndexType); ok {
			return strings.ToUpper(t.T)
		}
	}
	return "BTREE"
}

func subPart(attrs []schema.Attr) int {
	for _, a := range attrs {
		if s, ok := a.(*mysql.SubPart); ok {
			return s.Len
		}
	}
	return 0
}

func comment(attrs []schema.Attr) string {
	for _, a := range attrs {
		if c, ok := a.(*schema.Comment); ok {
			return c.Text
		}
	}
	return ""
}
