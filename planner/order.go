package planner

import (
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec/ident"
)

// orderColumns returns the statements that put table t's columns in
// desired order once the other statements have run: Atlas adds a column
// last, and moves none. Each move is a MODIFY COLUMN with the column's full
// desired definition and FIRST or AFTER the column before it (MariaDB
// keeps the data). A column whose definition changes too carries that
// change's class and approval, so the move never runs the change ahead of
// its approval; when strata cannot classify it, the order is left as a
// divergence.
func orderColumns(t string, lt, dt *ddlTable, liveS, desiredS *schema.Schema) ([]Statement, *Divergence) {
	// The order after the other statements: live columns still desired,
	// then the added ones in desired order.
	var cur []string
	for _, c := range lt.columns {
		if _, ok := dt.elems[elemKey{elemColumn, c}]; ok {
			cur = append(cur, c)
		}
	}
	for _, c := range dt.columns {
		if _, ok := lt.elems[elemKey{elemColumn, c}]; !ok {
			cur = append(cur, c)
		}
	}
	var out []Statement
	for i, c := range dt.columns {
		if i < len(cur) && cur[i] == c {
			continue
		}
		st, ok := moveColumn(t, c, i, lt, dt, liveS, desiredS)
		if !ok {
			return nil, positions(t, lt, dt)
		}
		out = append(out, st)
		cur = append(cur[:i], append([]string{c}, without(cur[i:], c)...)...)
	}
	return out, nil
}

// moveColumn is the statement that moves column c of t to desired
// position i; false when the column's change cannot be classified.
func moveColumn(t, c string, i int, lt, dt *ddlTable, liveS, desiredS *schema.Schema) (Statement, bool) {
	pos := " FIRST"
	if i > 0 {
		pos = " AFTER " + ident.Quote(dt.columns[i-1])
	}
	st := Statement{
		SQL:     "ALTER TABLE " + ident.Quote(t) + " MODIFY COLUMN " + dt.raw[c] + pos,
		Comment: "move column " + t + "." + c + strings.ToLower(pos),
		Kind:    Additive,
		// The column's, so a drift strategy withholds the move with its add.
		Objects: []Object{{Kind: ObjectColumn, Table: t, Name: c}},
	}
	if l := lt.elems[elemKey{elemColumn, c}]; l != "" && l != dt.elems[elemKey{elemColumn, c}] {
		from, to := atlasColumn(liveS, t, c), atlasColumn(desiredS, t, c)
		if from == nil || to == nil {
			return st, false
		}
		cls := classifyModify(t, &schema.ModifyColumn{From: from, To: to})
		st.Kind, st.Approval = cls.kind, cls.approval
	}
	return st, true
}

// without is cols less c.
func without(cols []string, c string) []string {
	out := make([]string, 0, len(cols))
	for _, x := range cols {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}
