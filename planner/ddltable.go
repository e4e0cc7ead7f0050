package planner

import (
	"regexp"
	"strings"

	"github.com/stratadb/strata/spec/ident"
)

// elemKind is the kind of one element of a CREATE TABLE.
type elemKind string

const (
	elemColumn  elemKind = "column"
	elemPK      elemKind = "primary key"
	elemIndex   elemKind = "index"
	elemFK      elemKind = "foreign key"
	elemCheck   elemKind = "check"
	elemOther   elemKind = "definition"
	elemOptions elemKind = "table options"
)

// ddlTable is one table as SHOW CREATE TABLE prints it.
type ddlTable struct {
	name    string
	create  string   // the whole statement
	columns []string // column names in order
	lines   []string // element lines in order, without their commas
	// raw are column lines as printed, with a column-level CHECK, which
	// elems holds apart as a check named after the column (colChecks).
	raw       map[string]string
	colChecks map[string]bool
	elems     map[elemKey]string
	options   string // what follows the closing parenthesis, e.g. "ENGINE=InnoDB ..."
	// partitioning is a partitioned table's PARTITION BY ... clause, on one
	// line; "" when the table is not partitioned.
	partitioning string
}

// elemKey names an element within its table.
type elemKey struct {
	kind elemKind
	name string
}

// parseDDL splits snapshot DDL (CREATE TABLE statements separated by ";\n\n")
// into tables by name.
func parseDDL(ddl string) map[string]*ddlTable {
	out := make(map[string]*ddlTable)
	for _, stmt := range strings.Split(ddl, ";\n\n") {
		if t := parseCreate(strings.TrimSpace(stmt)); t != nil {
			out[t.name] = t
		}
	}
	return out
}

// parseCreate parses one SHOW CREATE TABLE text: a header line, one line per
// element (MariaDB escapes newlines inside literals), the options line, and
// a partitioned table's partitioning on the lines after it.
func parseCreate(stmt string) *ddlTable {
	lines := strings.Split(stmt, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "CREATE TABLE ") {
		return nil
	}
	name, _, _ := ident.Unquote(strings.TrimPrefix(lines[0], "CREATE TABLE "))
	t := &ddlTable{name: name, create: stmt, elems: make(map[elemKey]string), raw: map[string]string{}, colChecks: map[string]bool{}}
	end := len(lines) - 1
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], ")") { // element lines are indented
			end = i
			break
		}
	}
	t.options = strings.TrimSpace(strings.TrimPrefix(lines[end], ")"))
	for _, l := range lines[end+1:] {
		t.partitioning = strings.TrimSpace(t.partitioning + " " + strings.TrimSpace(l))
	}
	for _, l := range lines[1:end] {
		l = strings.TrimSuffix(strings.TrimSpace(l), ",")
		t.lines = append(t.lines, l)
		k := keyOf(l)
		if k.kind == elemColumn {
			t.columns = append(t.columns, k.name)
			t.raw[k.name] = l
			if m := columnCheck.FindStringSubmatch(l); m != nil {
				t.colChecks[k.name] = true
				// A column-level CHECK acts as a table CHECK named after
				// the column: compare the two forms alike.
				l = m[1]
				t.elems[elemKey{elemCheck, k.name}] = "CONSTRAINT " + ident.Quote(k.name) + " CHECK " + m[2]
			}
		}
		l = samePrint.Replace(l)
		if (k.kind == elemIndex || k.kind == elemPK) && innodb(t.options) {
			l = indexBlockSize.ReplaceAllString(l, "")
		}
		t.elems[k] = l
	}
	return t
}

// indexBlockSize is an index's own KEY_BLOCK_SIZE. InnoDB ignores it (the
// table's KEY_BLOCK_SIZE counts), and MariaDB keeps and prints it on every
// index when the table's KEY_BLOCK_SIZE changes or is removed: only
// rebuilding each index would clear it. The fingerprint does not see it.
var indexBlockSize = regexp.MustCompile(` KEY_BLOCK_SIZE=\d+`)

// innodb reports whether a table's options line names the InnoDB engine.
func innodb(options string) bool {
	return strings.HasPrefix(options, "ENGINE=InnoDB ") || options == "ENGINE=InnoDB"
}

// samePrint removes what MariaDB prints only when the statement that made
// an object said it, for the same definition: InnoDB indexes are B-trees
// with or without USING BTREE, and NO ACTION is InnoDB's default
// foreign-key action.
var samePrint = strings.NewReplacer(" USING BTREE", "", " ON DELETE NO ACTION", "", " ON UPDATE NO ACTION", "")

// columnCheck is a column line ending in a CHECK.
var columnCheck = regexp.MustCompile("^(`.*?) CHECK (\\(.*\\))$")

// keyOf names the element a line of SHOW CREATE TABLE defines.
func keyOf(l string) elemKey {
	if strings.HasPrefix(l, "`") {
		n, _, _ := ident.Unquote(l)
		return elemKey{elemColumn, n}
	}
	if strings.HasPrefix(l, "PRIMARY KEY ") {
		return elemKey{elemPK, "PRIMARY"}
	}
	if rest, ok := strings.CutPrefix(l, "CONSTRAINT "); ok {
		n, rest, _ := ident.Unquote(rest)
		if strings.HasPrefix(strings.TrimSpace(rest), "FOREIGN KEY") {
			return elemKey{elemFK, n}
		}
		return elemKey{elemCheck, n}
	}
	if i := strings.Index(l, "KEY `"); i >= 0 && !strings.Contains(l[:i], "`") {
		n, _, _ := ident.Unquote(l[i+len("KEY "):])
		return elemKey{elemIndex, n}
	}
	return elemKey{elemOther, l}
}

// columnAttrs splits a column line of SHOW CREATE TABLE into its attributes
// ("type", "NULL", "DEFAULT", "ON UPDATE", ...), for messages that name
// what differs. MariaDB prints them in a fixed order and form.
func columnAttrs(line string) map[string]string {
	_, rest, _ := ident.Unquote(line)
	toks := tokens(rest)
	attrs := make(map[string]string)
	key, i := "type", 0
	for i < len(toks) {
		w := strings.ToUpper(toks[i])
		next := ""
		if i+1 < len(toks) {
			next = strings.ToUpper(toks[i+1])
		}
		switch {
		case w == "CHARACTER" && next == "SET":
			key, i = "CHARACTER SET", i+2
			continue
		case w == "COLLATE" || w == "DEFAULT" || w == "COMMENT" || w == "CHECK":
			key, i = w, i+1
			continue
		case w == "ON" && next == "UPDATE":
			key, i = "ON UPDATE", i+2
			continue
		case w == "GENERATED" && next == "ALWAYS":
			key, i = "GENERATED", i+3 // GENERATED ALWAYS AS
			continue
		case w == "NOT" && next == "NULL":
			attrs["NULL"], i = "NOT NULL", i+2
			continue
		case w == "NULL" && key != "DEFAULT" && key != "ON UPDATE":
			attrs["NULL"], i = "NULL", i+1
			continue
		case w == "AUTO_INCREMENT" || w == "INVISIBLE":
			attrs[w], i = w, i+1
			continue
		case key == "GENERATED" && (w == "VIRTUAL" || w == "STORED" || w == "PERSISTENT"):
			attrs[key] += " " + toks[i]
			i++
			continue
		}
		if attrs[key] != "" && key != "type" && key != "GENERATED" {
			key = "definition" // not a form MariaDB prints: compare the rest as a whole
		}
		attrs[key] = strings.TrimSpace(attrs[key] + " " + toks[i])
		i++
	}
	return attrs
}

// tokens splits s at spaces outside quotes and parentheses.
func tokens(s string) []string {
	var (
		out   []string
		cur   strings.Builder
		depth int
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(s) {
				cur.WriteByte(c)
				i++
				c = s[i]
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ' ' && depth == 0:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(c)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
