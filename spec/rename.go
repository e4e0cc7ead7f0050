package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Rename is a layer's declaration that a table or column had another name:
// the comment `-- strata:renamed-from old_name` on the line of a column
// definition or of CREATE TABLE. The planner renames the live object
// (RENAME COLUMN, RENAME TABLE) instead of dropping it and adding an empty
// one, so the data stays.
type Rename struct {
	Table  string // the table, by its new name
	Column string // the column's new name; "" when the table itself was renamed
	From   string // the old name of the column, or of the table
	File   string // repo-relative path of the declaring file
	Line   int
}

// object is "table" or "table.column".
func (r Rename) object() string {
	if r.Column == "" {
		return r.Table
	}
	return r.Table + "." + r.Column
}

// Renames returns every rename the layers declare, in layer and file order.
func Renames(layers []*Layer) []Rename {
	var out []Rename
	for _, l := range layers {
		for _, f := range l.Files {
			out = append(out, f.Renames...)
		}
	}
	return out
}

// renamedFrom matches the declaration in a -- or # comment.
var renamedFrom = regexp.MustCompile("(?:--|#)\\s*strata:renamed-from\\b\\s*(`[^`]*`|\\S*)")

// plainName is an old name as it may be written without backquotes.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_$]+$`)

// renamesIn reads the rename declarations of one layer file. A declaration
// must sit on the line of a column definition (in CREATE TABLE, or ADD
// COLUMN in ALTER TABLE) or of CREATE TABLE itself.
func (l *loader) renamesIn(p, src string, stmts []stmtTokens) []Rename {
	var out []Rename
	seen := make(map[string]int)
	for i, line := range strings.Split(src, "\n") {
		m := renamedFrom.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		n, col := i+1, m[0]+1
		toks, st := lineTokens(stmts, n)
		if len(toks) == 0 || toks[len(toks)-1].col > col {
			l.ds.add(p, n, col, "put it in a comment at the end of the line of the renamed column or of CREATE TABLE", "strata:renamed-from declares nothing here")
			continue
		}
		old, quoted := line[m[2]:m[3]], false
		if len(old) > 2 && old[0] == '`' && old[len(old)-1] == '`' {
			old, quoted = old[1:len(old)-1], true
		}
		if !plainName.MatchString(old) && (!quoted || strings.Contains(old, "`")) {
			l.ds.add(p, n, col, "write the old name after it: -- strata:renamed-from old_name (in backquotes if it has other characters than letters, digits, _ and $)", "strata:renamed-from needs the old name, got %q", line[m[2]:m[3]])
			continue
		}
		r, ok := declared(st, toks)
		if !ok {
			l.ds.add(p, n, col, "put it on the line of a column definition or of CREATE TABLE", "strata:renamed-from is not on a column or table line")
			continue
		}
		r.From, r.File, r.Line = old, p, n
		key := r.object()
		switch {
		case strings.EqualFold(r.From, r.Column) || r.Column == "" && strings.EqualFold(r.From, r.Table):
			l.ds.add(p, n, col, "a change of letter case needs no declaration; remove it", "%s is declared renamed from %s, the same name", r.object(), r.From)
		case r.Column == "" && hasName(tablesOf(stmts), r.From):
			l.ds.add(p, n, col, "remove the old table's CREATE TABLE, or the declaration", "table %s is declared renamed from %s, but this file still creates %s", r.Table, r.From, r.From)
		case r.Column != "" && hasName(columnsOf(st), r.From):
			l.ds.add(p, n, col, "remove the old column from CREATE TABLE, or the declaration", "%s is declared renamed from %s, but the table still has a column %s", r.object(), r.From, r.From)
		case seen[key] != 0:
			l.ds.add(p, n, col, "keep one declaration", "a second strata:renamed-from for %s (the first is on line %d)", key, seen[key])
		default:
			seen[key] = n
			out = append(out, r)
		}
	}
	return out
}

// lineTokens returns the tokens on line n and the statement they are in.
func lineTokens(stmts []stmtTokens, n int) ([]token, *stmtTokens) {
	for i := range stmts {
		s := &stmts[i]
		var on []token
		for _, t := range s.toks {
			if t.line == n {
				on = append(on, t)
			}
		}
		if len(on) > 0 {
			return on, s
		}
	}
	return nil, nil
}

// notColumn are the words that start a CREATE TABLE line that is no column.
var notColumn = map[string]bool{"KEY": true, "INDEX": true, "PRIMARY": true, "UNIQUE": true, "CONSTRAINT": true,
	"FOREIGN": true, "CHECK": true, "FULLTEXT": true, "SPATIAL": true, "PERIOD": true, ")": true}

// declared names what a declaration on the line with toks declares: the
// table of CREATE TABLE, or the column defined on the line.
func declared(st *stmtTokens, toks []token) (Rename, bool) {
	all := st.toks
	if len(all) < 3 || all[0].upper != "CREATE" && all[0].upper != "ALTER" {
		return Rename{}, false
	}
	table, body := tableName(all)
	if table == "" {
		return Rename{}, false
	}
	if all[0].upper == "CREATE" && toks[0].start < body {
		return Rename{Table: table}, true
	}
	first := toks[0]
	if first.kind == tokPunct && first.text == "," && len(toks) > 1 {
		first = toks[1]
	}
	if all[0].upper == "ALTER" {
		// ADD [COLUMN] name ... on the line.
		for i := 0; i < len(toks); i++ {
			if toks[i].upper != "ADD" {
				continue
			}
			if i+1 < len(toks) && toks[i+1].upper == "COLUMN" {
				i++
			}
			if i+1 < len(toks) && isName(toks[i+1]) && !notColumn[toks[i+1].upper] {
				return Rename{Table: table, Column: unquote(toks[i+1])}, true
			}
		}
		return Rename{}, false
	}
	if !isName(first) || notColumn[first.upper] {
		return Rename{}, false
	}
	return Rename{Table: table, Column: unquote(first)}, true
}

// tableName returns the table a CREATE TABLE or ALTER TABLE statement names
// and the offset where its body starts.
func tableName(toks []token) (string, int) {
	i := 1
	for i < len(toks) && (toks[i].upper == "TEMPORARY" || toks[i].upper == "OR" || toks[i].upper == "REPLACE") {
		i++
	}
	if i >= len(toks) || toks[i].upper != "TABLE" {
		return "", 0
	}
	i++
	for i+2 < len(toks) && toks[i].upper == "IF" {
		i += 2 // IF [NOT] EXISTS
		if toks[i].upper == "EXISTS" {
			i++
		}
	}
	name := ""
	for i < len(toks) && isName(toks[i]) {
		name = unquote(toks[i])
		i++
		if i+1 < len(toks) && toks[i].kind == tokPunct && toks[i].text == "." {
			i++
			continue
		}
		break
	}
	if i < len(toks) {
		return name, toks[i].start
	}
	return name, len(toks)
}

func unquote(t token) string {
	if t.kind == tokIdent {
		return strings.ReplaceAll(t.text[1:len(t.text)-1], "``", "`")
	}
	return t.text
}

// ParseRenames reads the rename declarations of one layer DDL file at path,
// as the loader does; an error is a Diagnostics naming path:line.
func ParseRenames(path string, src []byte) ([]Rename, error) {
	stmts, lexErr := splitSQL(string(src), false)
	if lexErr != nil {
		return nil, fmt.Errorf("spec: %s:%w", path, lexErr)
	}
	l := &loader{}
	out := l.renamesIn(path, string(src), stmts)
	if len(l.ds.list) > 0 {
		return nil, l.ds.list
	}
	return out, nil
}

// columnsOf returns the columns a CREATE TABLE statement defines: the first
// name of each item of its body that is no index or constraint.
func columnsOf(st *stmtTokens) []string {
	if st.toks[0].upper != "CREATE" {
		return nil
	}
	var out []string
	depth, start := 0, false
	for _, t := range st.toks {
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
			start = depth == 1
			continue
		case t.kind == tokPunct && t.text == ")":
			depth--
		case t.kind == tokPunct && t.text == "," && depth == 1:
			start = true
			continue
		case start && isName(t) && !notColumn[t.upper]:
			out = append(out, unquote(t))
		}
		start = false
	}
	return out
}

func hasName(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// tablesOf returns the tables the statements create.
func tablesOf(stmts []stmtTokens) []string {
	var out []string
	for _, st := range stmts {
		if len(st.toks) > 2 && st.toks[0].upper == "CREATE" {
			if name, _ := tableName(st.toks); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}
