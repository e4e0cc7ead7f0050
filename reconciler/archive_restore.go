package reconciler

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec/ident"
)

// restore returns st followed (a column) or replaced (a table) by the
// statements that restore a kept archive of the same definition; st alone
// when there is none.
func (a *archivePlanner) restore(ctx context.Context, st planner.Statement, tg target) ([]planner.Statement, error) {
	want, ok := desiredTable(a.desired, tg.table)
	if !ok {
		return []planner.Statement{st}, nil
	}
	wdef := parseCreate(want)
	var rec *landlord.Archive
	for i := len(a.records) - 1; i >= 0; i-- { // newest first
		c := &a.records[i]
		if c.State != landlord.ArchiveKept || c.Kind != tg.kind() || c.Object != tg.object() || !a.live[strings.ToLower(c.Table)] {
			continue
		}
		if tg.column == "" && sameTable(c.Definition, want) ||
			tg.column != "" && wdef.columns[tg.column] == c.Definition && slices.Equal(wdef.primaryKey, c.KeyColumns) {
			rec = c
			break
		}
	}
	if rec == nil {
		return []planner.Statement{st}, nil
	}
	step := &planner.ArchiveStep{Op: planner.ArchiveRestore, Kind: rec.Kind, Object: rec.Object, Table: rec.Table, ID: rec.ID, First: true}
	aq := ident.Quote(a.t.Database) + "." + ident.Quote(rec.Table)
	if tg.column == "" {
		if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+aq).Scan(&step.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", rec.Table, err)
		}
		step.Values = step.Rows
		step.Note = fmt.Sprintf("restores table %s (%s rows) from the archive of run %d%s instead of creating it empty", tg.table, count(step.Rows), rec.RunID, commitText(rec.Commit))
		step.Replaces = st.SQL
		rename := st
		rename.SQL = "RENAME TABLE " + ident.Quote(rec.Table) + " TO " + ident.Quote(tg.table)
		rename.Kind, rename.Codes = planner.Additive, nil
		rename.Archive = step
		out := []planner.Statement{rename}
		if len(wdef.foreignKeys) == 0 {
			step.Last = true
			return out, nil
		}
		adds := make([]string, len(wdef.foreignKeys))
		for i, fk := range wdef.foreignKeys {
			adds[i] = "ADD " + fk.line
		}
		last := *step
		last.First, last.Last, last.Replaces = false, true, ""
		last.Note = fmt.Sprintf("restores table %s: its foreign keys as declared, not checked against the restored rows (they held when it was archived)", tg.table)
		return append(out, planner.Statement{
			SQL:  "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE " + ident.Quote(tg.table) + " " + strings.Join(adds, ", "),
			Kind: planner.Additive, Archive: &last,
		}), nil
	}
	qc := ident.Quote(tg.column)
	if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT("+qc+") FROM "+aq).Scan(&step.Rows, &step.Values); err != nil {
		return nil, fmt.Errorf("count %s: %w", rec.Table, err)
	}
	step.Note = fmt.Sprintf("restores %s values of %s from the archive of run %d%s", count(step.Values), tg.object(), rec.RunID, commitText(rec.Commit))
	step.Replaces = st.SQL
	add := st
	add.Archive = step
	upd := *step
	upd.First, upd.Replaces = false, ""
	last := *step
	last.First, last.Last, last.Replaces = false, true, ""
	last.Note = fmt.Sprintf("restores %s: the archive's values are back, it is dropped", tg.object())
	return []planner.Statement{add,
		{SQL: restoreUpdate(tg, rec.Table, rec.KeyColumns), Kind: planner.Additive, Archive: &upd},
		{SQL: "DROP TABLE " + ident.Quote(rec.Table), Kind: planner.Additive, Archive: &last},
	}, nil
}

// restoreUpdate is the UPDATE that copies an archived column's values back
// by primary key.
func restoreUpdate(tg target, archive string, keys []string) string {
	t, a := ident.Quote(tg.table), ident.Quote(archive)
	on := make([]string, len(keys))
	for i, k := range keys {
		on[i] = t + "." + ident.Quote(k) + " = " + a + "." + ident.Quote(k)
	}
	c := ident.Quote(tg.column)
	return "UPDATE " + t + " JOIN " + a + " ON " + strings.Join(on, " AND ") + " SET " + t + "." + c + " = " + a + "." + c
}
