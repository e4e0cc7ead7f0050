package planner

import (
	"fmt"
	"sort"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec/ident"
)

// exactPlan compares live and desired as MariaDB prints them and returns
// the statements for the differences Atlas's changes do not touch, and the
// differences no statement can change. Atlas's diff ignores some attributes
// (CHECK expressions, ON UPDATE, AUTO_INCREMENT, decimal digits past float
// precision, primary-key comments, an implicit foreign-key index made
// redundant): strata writes those statements itself, from the desired
// element exactly as MariaDB printed it, so running them makes the live
// element print the same.
//
// Only tables on both sides are compared: a table on one side only is
// Atlas's CREATE or DROP TABLE, or unmanaged drift. liveS and desiredS are
// the Atlas models, used to classify a column change like Atlas's own.
func exactPlan(live, desired map[string]*ddlTable, changes []schema.Change, liveS, desiredS *schema.Schema) ([]Statement, []Divergence) {
	cov := covered(changes)
	names := make([]string, 0, len(desired))
	for n := range desired {
		if live[n] != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var (
		stmts []Statement
		divs  []Divergence
	)
	for _, n := range names {
		lt, dt := live[n], desired[n]
		if cov[elemKey{elemOptions, n}] {
			continue // the whole table is Atlas's (renamed, say)
		}
		recased := recasedChecks(lt, dt)
		for _, k := range elemKeys(lt, dt) {
			l, d := lt.elems[k], dt.elems[k]
			if cov[tableKey(n, k)] {
				// Atlas adds or re-adds the index without IGNORED, which it
				// does not know: set it after.
				if k.kind == elemIndex && d != "" && ignored(d) && l != d {
					stmts = append(stmts, ignoreIndex(n, k.name, true))
				}
				continue
			}
			if l == d {
				continue
			}
			if from, ok := recased[k.name]; ok && k.kind == elemCheck {
				if from != "" {
					stmts = append(stmts, recaseCheck(n, from, d))
				}
				continue
			}
			st, div := supplement(n, k, l, d, lt, dt, liveS, desiredS)
			if st != nil {
				stmts = append(stmts, *st)
			}
			divs = append(divs, div...)
		}
		if lt.options != dt.options {
			st, d := optionsChange(n, lt.options, dt.options, cov[tableKey(n, elemKey{kind: elemOptions})])
			if st != nil {
				stmts = append(stmts, *st)
			}
			divs = append(divs, d...)
		}
		if lt.partitioning != dt.partitioning {
			// strata plans no ALTER TABLE ... PARTITION BY / REMOVE
			// PARTITIONING (each rebuilds the table; Atlas does not see
			// partitions): the tenant is diverged until a person changes it.
			divs = append(divs, Divergence{Object: n, Attribute: "partitioning", Live: orNone(lt.partitioning), Desired: orNone(dt.partitioning)})
		}
		moves, d := orderColumns(n, lt, dt, liveS, desiredS)
		stmts = append(stmts, moves...)
		if d != nil {
			divs = append(divs, *d)
		}
	}
	return stmts, divs
}

// supplement returns the statement that turns element k of table t from
// live line l into desired line d ("" when absent), or the divergence when
// strata writes none.
func supplement(t string, k elemKey, l, d string, lt, dt *ddlTable, liveS, desiredS *schema.Schema) (*Statement, []Divergence) {
	tq := "ALTER TABLE " + ident.Quote(t) + " "
	obj := t + " " + strings.ToUpper(string(k.kind)) + " " + k.name
	switch {
	case k.kind == elemColumn && l != "" && d != "":
		divs := columnDivergences(t+"."+k.name, l, d)
		st := &Statement{SQL: tq + "MODIFY COLUMN " + d, Comment: describe(divs), Kind: Additive}
		if from, to := atlasColumn(liveS, t, k.name), atlasColumn(desiredS, t, k.name); from != nil && to != nil {
			cls := classifyModify(t, &schema.ModifyColumn{From: from, To: to})
			st.Kind, st.Approval = cls.kind, cls.approval
		}
		if st.Kind == Additive && columnAttrs(d)["AUTO_INCREMENT"] != "" && columnAttrs(l)["AUTO_INCREMENT"] == "" {
			st.Kind = DataDependent // existing zeros are renumbered, and may collide
		}
		return st, nil
	case k.kind == elemCheck && (lt.colChecks[k.name] || dt.colChecks[k.name]):
		return columnCheckChange(t, k.name, l, lt, dt), nil
	case k.kind == elemCheck && l != "" && d != "":
		return &Statement{
			SQL:     tq + "DROP CONSTRAINT " + ident.Quote(k.name) + ", ADD " + d,
			Comment: fmt.Sprintf("replace %s (live: %s)", obj, l),
			Kind:    Destructive, Approval: "DROP CHECK " + t + "." + k.name,
		}, nil
	case k.kind == elemCheck && d != "":
		return &Statement{SQL: tq + "ADD " + d, Comment: "add " + obj, Kind: DataDependent}, nil
	case k.kind == elemCheck:
		return &Statement{SQL: tq + "DROP CONSTRAINT " + ident.Quote(k.name), Comment: "drop " + obj,
			Kind: Destructive, Approval: "DROP CHECK " + t + "." + k.name}, nil
	case k.kind == elemPK && l != "" && d != "":
		st := &Statement{SQL: tq + "DROP PRIMARY KEY, ADD " + d, Comment: fmt.Sprintf("replace %s (live: %s)", obj, l), Kind: DataDependent}
		if withoutComment(l) == withoutComment(d) {
			st.Kind = Additive // only the comment changes
		}
		return st, nil
	case k.kind == elemIndex && l != "" && d != "" && unignored(l) == unignored(d):
		st := ignoreIndex(t, k.name, ignored(d))
		return &st, nil
	case k.kind == elemIndex && l != "" && d != "":
		st := &Statement{SQL: tq + "DROP INDEX " + ident.Quote(k.name) + ", ADD " + d, Comment: fmt.Sprintf("replace %s (live: %s)", obj, l),
			Kind: Destructive, Approval: "DROP INDEX " + t + "." + k.name}
		if withoutComment(unignored(l)) == withoutComment(unignored(d)) {
			st.Kind, st.Approval = Additive, ""
		}
		return st, nil
	case k.kind == elemIndex && l != "":
		return &Statement{SQL: tq + "DROP INDEX " + ident.Quote(k.name), Comment: "drop " + obj,
			Kind: Destructive, Approval: "DROP INDEX " + t + "." + k.name}, nil
	case k.kind == elemIndex:
		st := &Statement{SQL: tq + "ADD " + d, Comment: "add " + obj, Kind: Additive}
		if strings.HasPrefix(d, "UNIQUE ") {
			st.Kind = DataDependent
		}
		return st, nil
	}
	return nil, []Divergence{{Object: obj, Attribute: "definition", Live: orNone(l), Desired: orNone(d)}}
}

// ignored reports whether an index line ends in MariaDB's IGNORED (the
// optimizer does not use the index; it is still maintained).
func ignored(line string) bool { return strings.HasSuffix(line, " IGNORED") }

// unignored is an index line without its IGNORED.
func unignored(line string) string { return strings.TrimSuffix(line, " IGNORED") }

// ignoreIndex sets or clears an index's IGNORED: a change of metadata only,
// the index itself stays.
func ignoreIndex(t, index string, on bool) Statement {
	set, what := "IGNORED", "ignore"
	if !on {
		set, what = "NOT IGNORED", "stop ignoring"
	}
	return Statement{
		SQL:     "ALTER TABLE " + ident.Quote(t) + " ALTER INDEX " + ident.Quote(index) + " " + set,
		Comment: what + " index " + t + "." + index,
		Kind:    Additive,
	}
}

// recasedChecks pairs the table CHECKs whose names differ between live and
// desired only in letter case (MariaDB compares CHECK names without case,
// so the new name cannot be added while the old one exists): desired name
// -> live name, and live name -> "" so the live one is not dropped apart.
func recasedChecks(lt, dt *ddlTable) map[string]string {
	out := map[string]string{}
	for k := range dt.elems {
		if k.kind != elemCheck || dt.colChecks[k.name] {
			continue
		}
		if _, ok := lt.elems[k]; ok {
			continue
		}
		for lk := range lt.elems {
			if lk.kind == elemCheck && !lt.colChecks[lk.name] && lk.name != k.name && strings.EqualFold(lk.name, k.name) {
				if _, ok := dt.elems[lk]; !ok {
					out[k.name], out[lk.name] = lk.name, ""
				}
			}
		}
	}
	return out
}

// recaseCheck replaces CHECK from of table t by desired line d, whose name
// differs only in letter case: one ALTER TABLE that drops it first, so
// MariaDB never sees both names at once, approved like the drop.
func recaseCheck(t, from, d string) Statement {
	return Statement{
		SQL:     "ALTER TABLE " + ident.Quote(t) + " DROP CONSTRAINT " + ident.Quote(from) + ", ADD " + d,
		Comment: fmt.Sprintf("rename %s CHECK %s (only the letter case changes: dropped and added in one statement)", t, from),
		Kind:    Destructive, Approval: "DROP CHECK " + t + "." + from,
	}
}

// columnCheckChange changes a CHECK that is column-level on either side:
// MariaDB changes or drops a column-level CHECK with the column's
// definition (MODIFY COLUMN), not by its name.
func columnCheckChange(t, col, l string, lt, dt *ddlTable) *Statement {
	var parts []string
	if l != "" && !lt.colChecks[col] {
		parts = append(parts, "DROP CONSTRAINT "+ident.Quote(col))
	}
	if raw, ok := dt.raw[col]; ok {
		parts = append(parts, "MODIFY COLUMN "+raw)
	}
	if d := dt.elems[elemKey{elemCheck, col}]; d != "" && !dt.colChecks[col] {
		parts = append(parts, "ADD "+d)
	}
	st := &Statement{SQL: "ALTER TABLE " + ident.Quote(t) + " " + strings.Join(parts, ", "), Comment: "change the CHECK of column " + t + "." + col, Kind: DataDependent}
	if l != "" {
		st.Kind, st.Approval = Destructive, "DROP CHECK "+t+"."+col
	}
	return st
}

// columnDivergences names each attribute that differs between two column lines.
func columnDivergences(obj, l, d string) []Divergence {
	la, da := columnAttrs(l), columnAttrs(d)
	keys := make([]string, 0, len(la)+len(da))
	for k := range la {
		keys = append(keys, k)
	}
	for k := range da {
		if _, ok := la[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []Divergence
	for _, k := range keys {
		if la[k] != da[k] {
			out = append(out, Divergence{Object: obj, Attribute: k, Live: orNone(la[k]), Desired: orNone(da[k])})
		}
	}
	if len(out) == 0 { // same attributes, printed differently
		out = append(out, Divergence{Object: obj, Attribute: "definition", Live: l, Desired: d})
	}
	return out
}

// describe is a statement comment naming what it changes.
func describe(divs []Divergence) string {
	parts := make([]string, len(divs))
	for i, d := range divs {
		parts[i] = d.String()
	}
	return strings.Join(parts, "; ")
}

// positions reports a column order that differs between live and desired
// (columns on one side only aside), when strata plans no move for it.
func positions(t string, lt, dt *ddlTable) *Divergence {
	in := func(cols []string, other *ddlTable) []string {
		var out []string
		for _, c := range cols {
			if _, ok := other.elems[elemKey{elemColumn, c}]; ok {
				out = append(out, c)
			}
		}
		return out
	}
	l, d := in(lt.columns, dt), in(dt.columns, lt)
	if strings.Join(l, ",") == strings.Join(d, ",") {
		return nil
	}
	return &Divergence{Object: t, Attribute: "column order", Live: strings.Join(l, ", "), Desired: strings.Join(d, ", ")}
}

// elemKeys lists the elements of both tables: columns in desired order,
// then the rest sorted, so statements come out in a stable order.
func elemKeys(lt, dt *ddlTable) []elemKey {
	seen := make(map[elemKey]bool)
	var out, rest []elemKey
	for _, c := range dt.columns {
		k := elemKey{elemColumn, c}
		seen[k] = true
		out = append(out, k)
	}
	for _, t := range []*ddlTable{lt, dt} {
		for k := range t.elems {
			if !seen[k] {
				seen[k] = true
				rest = append(rest, k)
			}
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		if rest[i].kind != rest[j].kind {
			return rest[i].kind < rest[j].kind
		}
		return rest[i].name < rest[j].name
	})
	return append(out, rest...)
}

// withoutComment drops a trailing COMMENT '...' from an index line.
func withoutComment(line string) string {
	if i := strings.LastIndex(line, " COMMENT '"); i >= 0 {
		return line[:i]
	}
	return line
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func atlasColumn(s *schema.Schema, table, column string) *schema.Column {
	if s == nil {
		return nil
	}
	t, ok := s.Table(table)
	if !ok {
		return nil
	}
	c, _ := t.Column(column)
	return c
}
