package planner

import (
	"ariga.io/atlas/sql/schema"
)

// releaseKeys lets a column that a foreign key uses change its type:
// MariaDB refuses that while the key exists (Error 1832, 1833), so the key
// is dropped before every other change and added again after them. The drop
// and the re-add have the class of the column's change: they run with it,
// or wait with it for its approval (a narrowing change's, when several
// columns of the key change).
func releaseKeys(changes []schema.Change, live, to *schema.Schema, us units) []schema.Change {
	type typed struct {
		table string
		c     *schema.ModifyColumn
		cls   class
	}
	var mods []typed
	for _, c := range changes {
		m, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		for _, o := range m.Changes {
			if mc, ok := o.(*schema.ModifyColumn); ok && free(us, mc) && mc.Change.Is(schema.ChangeType|schema.ChangeCharset|schema.ChangeCollate) {
				mods = append(mods, typed{m.T.Name, mc, classifyModify(m.T.Name, mc)})
			}
		}
	}
	released := make(map[*schema.ForeignKey]bool)
	for _, lt := range live.Tables {
		dt, ok := to.Table(lt.Name)
		if !ok {
			continue
		}
		for _, fk := range lt.ForeignKeys {
			want, kept := dt.ForeignKey(fk.Symbol)
			if !kept || released[fk] || touchesKey(changes, lt.Name, fk.Symbol) {
				continue
			}
			var cls *class
			for _, md := range mods {
				// A narrowing change's approval holds the key back too.
				if uses(fk, md.table, md.c.From.Name) && (cls == nil || cls.kind != Destructive) {
					cls = &md.cls
				}
			}
			if cls == nil {
				continue
			}
			released[fk] = true
			m := modifyOf(&changes, dt)
			drop, add := &schema.DropForeignKey{F: fk}, &schema.AddForeignKey{F: want}
			m.Changes = append(m.Changes, drop, add)
			us.add(&unit{changes: []schema.Change{drop}, class: *cls, group: groupFKDrop})
			us.add(&unit{changes: []schema.Change{add}, class: *cls, group: groupFKAdd})
		}
	}
	return changes
}

func free(us units, c schema.Change) bool {
	_, ok := us[c]
	return !ok
}

// uses reports whether foreign key fk has column of table among its columns
// or the columns it references.
func uses(fk *schema.ForeignKey, table, column string) bool {
	return fk.Table.Name == table && hasColumn(fk.Columns, column) ||
		fk.RefTable != nil && fk.RefTable.Name == table && hasColumn(fk.RefColumns, column)
}

// touchesKey reports whether changes already drop or replace foreign key
// symbol of table.
func touchesKey(changes []schema.Change, table, symbol string) bool {
	for _, c := range changes {
		m, ok := c.(*schema.ModifyTable)
		if !ok || m.T.Name != table {
			continue
		}
		for _, o := range m.Changes {
			if d, ok := o.(*schema.DropForeignKey); ok && d.F.Symbol == symbol {
				return true
			}
		}
	}
	return false
}

// rideWithTableDrops gives the foreign-key drops that the diff engine plans
// before dropping tables that reference each other the approval of their
// table's drop: one approval round drops the cycle.
func rideWithTableDrops(steps []step, changes []schema.Change) {
	dropped := make(map[string]bool)
	for _, c := range changes {
		if d, ok := c.(*schema.DropTable); ok {
			dropped[d.T.Name] = true
		}
	}
	for i, s := range steps {
		m, ok := s.source.(*schema.ModifyTable)
		if !ok || !dropped[m.T.Name] || len(m.Changes) == 0 {
			continue
		}
		onlyFKs := true
		for _, c := range m.Changes {
			if _, ok := c.(*schema.DropForeignKey); !ok {
				onlyFKs = false
			}
		}
		if onlyFKs {
			steps[i].approval = "DROP TABLE " + m.T.Name
		}
	}
}
