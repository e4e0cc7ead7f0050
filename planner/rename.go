package planner

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec"
)

// renames renames, in live (a copy the caller may change), the tables and
// columns that the desired schema has under another name: those a layer
// declares renamed (spec.Rename) and those whose name changed only in
// letter case (MariaDB compares column names without case, so a drop and an
// add would collide). It returns the changes that do it in the database:
// RENAME TABLE and RENAME COLUMN, which keep the data and run first. The
// diff of the renamed live schema then sees the same objects.
func renames(live, desired *schema.Schema, decl []spec.Rename) ([]schema.Change, error) {
	var out []schema.Change
	for _, r := range decl {
		if r.Column != "" {
			continue
		}
		if _, ok := desired.Table(r.From); ok {
			return nil, fmt.Errorf("%s:%d: table %s is declared renamed from %s, but a layer still creates %s: remove the strata:renamed-from declaration or the old table", r.File, r.Line, r.Table, r.From, r.From)
		}
		old, hasOld := live.Table(r.From)
		_, hasNew := live.Table(r.Table)
		dt, want := desired.Table(r.Table)
		if !hasOld || hasNew || !want {
			continue // done already, a new tenant, or both exist: the diff decides
		}
		from := &schema.Table{Name: old.Name, Schema: old.Schema}
		old.Name = r.Table
		out = append(out, &schema.RenameTable{From: from, To: dt})
	}
	for _, dt := range desired.Tables {
		lt, ok := live.Table(dt.Name)
		if !ok {
			continue
		}
		var cols []schema.Change
		for _, r := range decl {
			if r.Column == "" || r.Table != dt.Name {
				continue
			}
			if _, ok := dt.Column(r.From); ok {
				return nil, fmt.Errorf("%s:%d: column %s.%s is declared renamed from %s, but the table still has a column %s: remove the strata:renamed-from declaration or the old column", r.File, r.Line, r.Table, r.Column, r.From, r.From)
			}
			if c := renameColumn(lt, dt, r.From, r.Column); c != nil {
				cols = append(cols, c)
			}
		}
		for _, lc := range lt.Columns {
			if _, ok := dt.Column(lc.Name); ok {
				continue
			}
			for _, dc := range dt.Columns {
				if strings.EqualFold(dc.Name, lc.Name) {
					if c := renameColumn(lt, dt, lc.Name, dc.Name); c != nil {
						cols = append(cols, c)
					}
				}
			}
		}
		if len(cols) > 0 {
			out = append(out, &schema.ModifyTable{T: dt, Changes: cols})
		}
	}
	return out, nil
}

// renameColumn renames column from of live table lt to the desired table
// dt's column to, when lt has from and not to; nil otherwise.
func renameColumn(lt, dt *schema.Table, from, to string) schema.Change {
	lc, hasOld := lt.Column(from)
	_, hasNew := lt.Column(to)
	dc, want := dt.Column(to)
	if !hasOld || hasNew || !want {
		return nil
	}
	old := &schema.Column{Name: lc.Name, Type: lc.Type}
	lc.Name = dc.Name
	return &schema.RenameColumn{From: old, To: dc}
}
