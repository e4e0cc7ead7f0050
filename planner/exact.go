package planner

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/spec/ident"
)

// The exact comparison reads both schemas as MariaDB prints them (SHOW
// CREATE TABLE, as layers/snapshot records them): every attribute MariaDB
// keeps is in that text, so two tables are equal exactly when their
// elements are, whatever Atlas's model of them drops.

// exact is the exact comparison of one plan: both schemas as MariaDB prints
// them, and the differences no statement changes once planned.
type exact struct {
	live, desired map[string]*ddlTable
	divergences   []Divergence
}

// newExact reads the live tables of database (none when it does not exist)
// for comparison with desiredDDL (layers/snapshot form).
func newExact(ctx context.Context, db *sql.DB, database string, exists bool, desiredDDL string) (*exact, error) {
	e := &exact{live: map[string]*ddlTable{}, desired: parseDDL(desiredDDL)}
	if !exists {
		return e, nil
	}
	s, err := snapshot.Take(ctx, db, database)
	if err != nil {
		return nil, fmt.Errorf("planner: read live tables: %w", err)
	}
	e.live = parseDDL(s.DDL)
	return e, nil
}

// exactBetween compares two compositions (base nil: nothing yet), for a
// pull request's plan; nil when head has no snapshot.
func exactBetween(base, head *composition) *exact {
	if head.desired.Snapshot == nil {
		return nil
	}
	e := &exact{live: map[string]*ddlTable{}, desired: parseDDL(head.desired.Snapshot.DDL)}
	if base != nil && base.desired.Snapshot != nil {
		e.live = parseDDL(base.desired.Snapshot.DDL)
	}
	return e
}

// supplement returns strata's statements for the differences Atlas's
// changes miss and keeps the differences left as divergences.
func (e *exact) supplement(changes []schema.Change, live, desired *schema.Schema) []Statement {
	if e == nil {
		return nil
	}
	stmts, divs := exactPlan(e.live, e.desired, changes, live, desired)
	e.divergences = divs
	return stmts
}

// renamed applies the declared renames to the live tables as MariaDB does:
// a renamed table keeps its definition, and a renamed column's new name
// replaces the old one in its table's indexes and constraints and in the
// foreign keys that reference it.
func (e *exact) renamed(changes []schema.Change) {
	if e == nil {
		return
	}
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.RenameTable:
			if lt := e.live[c.From.Name]; lt != nil {
				delete(e.live, c.From.Name)
				e.live[c.To.Name] = e.relabel(lt, c.To.Name, "", "", func(l string) string { return l })
				for n, o := range e.live {
					e.live[n] = e.relabel(o, n, ident.Quote(c.From.Name), ident.Quote(c.To.Name), referencesPart)
				}
			}
		case *schema.ModifyTable:
			for _, mc := range c.Changes {
				r, ok := mc.(*schema.RenameColumn)
				lt := e.live[c.T.Name]
				if !ok || lt == nil {
					continue
				}
				from, to := ident.Quote(r.From.Name), ident.Quote(r.To.Name)
				e.live[c.T.Name] = e.relabel(lt, c.T.Name, from, to, func(l string) string { return l })
				ref := "REFERENCES " + ident.Quote(c.T.Name) + " "
				for n, o := range e.live {
					e.live[n] = e.relabel(o, n, from, to, func(l string) string {
						if i := strings.Index(l, ref); i >= 0 {
							return l[i:]
						}
						return ""
					})
				}
			}
		}
	}
}

// referencesPart is the part of a foreign-key line naming the table it
// references.
func referencesPart(l string) string {
	if i := strings.Index(l, "REFERENCES "); i >= 0 && keyOf(l).kind == elemFK {
		return l[i:]
	}
	return ""
}

// relabel returns t named name, with old replaced by new in the part of each
// element line that part selects.
func (e *exact) relabel(t *ddlTable, name, old, new string, part func(string) string) *ddlTable {
	lines := make([]string, len(t.lines))
	for i, l := range t.lines {
		lines[i] = l
		if p := part(l); old != "" && p != "" {
			lines[i] = l[:len(l)-len(p)] + strings.ReplaceAll(p, old, new)
		}
	}
	create := "CREATE TABLE " + ident.Quote(name) + " (\n  " + strings.Join(lines, ",\n  ") + "\n) " + t.options
	if t.partitioning != "" {
		create += "\n" + t.partitioning
	}
	return parseCreate(create)
}

// creates replaces each CREATE TABLE Atlas planned with the desired table as
// MariaDB printed it: Atlas's rendering drops integer display widths and
// primary-key comments. Foreign keys Atlas adds by a later ALTER TABLE (a
// cycle between new tables) stay out of the CREATE.
func (e *exact) creates(steps []step, changes []schema.Change) {
	if e == nil {
		return
	}
	later := make(map[string]bool)
	for _, st := range steps { // Atlas adds a cycle's keys in ALTERs it makes itself
		changes = append(changes, st.source)
	}
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok {
			for _, mc := range m.Changes {
				if a, ok := mc.(*schema.AddForeignKey); ok {
					later[m.T.Name+"\x00"+a.F.Symbol] = true
				}
			}
		}
	}
	for i, st := range steps {
		add, ok := st.source.(*schema.AddTable)
		if !ok || e.desired[add.T.Name] == nil {
			continue
		}
		dt := e.desired[add.T.Name]
		var lines, checks []string
		for _, l := range dt.lines {
			k := keyOf(l)
			if k.kind == elemFK && later[dt.name+"\x00"+k.name] {
				continue
			}
			if k.kind == elemColumn && dt.colChecks[k.name] && !strings.Contains(l, " CHECK (json_valid(") {
				// As a table CHECK named after the column, as Atlas creates
				// it: Atlas drops a CHECK by its name. (MariaDB makes a JSON
				// column's json_valid CHECK itself, inline.)
				l = strings.TrimSuffix(l, " CHECK "+strings.TrimPrefix(dt.elems[elemKey{elemCheck, k.name}], "CONSTRAINT "+ident.Quote(k.name)+" CHECK "))
				checks = append(checks, dt.elems[elemKey{elemCheck, k.name}])
			}
			lines = append(lines, l)
		}
		lines = append(lines, checks...)
		sql := "CREATE TABLE " + ident.Quote(dt.name) + " (" + strings.Join(lines, ", ") + ") " + dt.options
		if dt.partitioning != "" {
			sql += " " + dt.partitioning
		}
		if ai := (&mysql.AutoIncrement{}); hasAttr(add.T.Attrs, ai) && ai.V > 1 {
			sql += fmt.Sprintf(" AUTO_INCREMENT=%d", ai.V) // snapshots leave counters out
		}
		steps[i].sql = sql
	}
}

func hasAttr(attrs []schema.Attr, ai *mysql.AutoIncrement) bool {
	for _, a := range attrs {
		if v, ok := a.(*mysql.AutoIncrement); ok {
			*ai = *v
			return true
		}
	}
	return false
}

// tableKey is an element key qualified by its table, for covered.
func tableKey(table string, k elemKey) elemKey {
	return elemKey{k.kind, table + "\x00" + k.name}
}

// covered lists the elements Atlas's changes touch, by tableKey; a table
// Atlas adds, drops or renames is covered as a whole (elemOptions + name).
func covered(changes []schema.Change) map[elemKey]bool {
	cov := make(map[elemKey]bool)
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddTable:
			cov[elemKey{elemOptions, c.T.Name}] = true
		case *schema.DropTable:
			cov[elemKey{elemOptions, c.T.Name}] = true
		case *schema.RenameTable:
			cov[elemKey{elemOptions, c.From.Name}] = true
			cov[elemKey{elemOptions, c.To.Name}] = true
		case *schema.ModifyTable:
			for _, k := range modifyKeys(c.Changes) {
				cov[tableKey(c.T.Name, k)] = true
			}
		}
	}
	return cov
}

// modifyKeys lists the elements the changes of one ALTER TABLE touch.
func modifyKeys(changes []schema.Change) []elemKey {
	var out []elemKey
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddColumn:
			out = append(out, elemKey{elemColumn, c.C.Name})
		case *schema.DropColumn:
			out = append(out, elemKey{elemColumn, c.C.Name})
		case *schema.ModifyColumn:
			out = append(out, elemKey{elemColumn, c.From.Name}, elemKey{elemColumn, c.To.Name})
		case *schema.RenameColumn:
			out = append(out, elemKey{elemColumn, c.From.Name}, elemKey{elemColumn, c.To.Name})
		case *schema.AddIndex:
			out = append(out, elemKey{elemIndex, c.I.Name})
		case *schema.DropIndex:
			out = append(out, elemKey{elemIndex, c.I.Name})
		case *schema.ModifyIndex:
			out = append(out, elemKey{elemIndex, c.From.Name}, elemKey{elemIndex, c.To.Name})
		case *schema.RenameIndex:
			out = append(out, elemKey{elemIndex, c.From.Name}, elemKey{elemIndex, c.To.Name})
		case *schema.AddPrimaryKey, *schema.DropPrimaryKey, *schema.ModifyPrimaryKey:
			out = append(out, elemKey{elemPK, "PRIMARY"})
		case *schema.AddForeignKey:
			out = append(out, elemKey{elemFK, c.F.Symbol})
		case *schema.DropForeignKey:
			out = append(out, elemKey{elemFK, c.F.Symbol})
		case *schema.ModifyForeignKey:
			out = append(out, elemKey{elemFK, c.From.Symbol}, elemKey{elemFK, c.To.Symbol})
		case *schema.AddCheck:
			out = append(out, elemKey{elemCheck, c.C.Name})
		case *schema.DropCheck:
			out = append(out, elemKey{elemCheck, c.C.Name})
		case *schema.ModifyCheck:
			out = append(out, elemKey{elemCheck, c.From.Name}, elemKey{elemCheck, c.To.Name})
		case *schema.AddAttr, *schema.DropAttr, *schema.ModifyAttr:
			out = append(out, elemKey{kind: elemOptions})
		}
	}
	return out
}
