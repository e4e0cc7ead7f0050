package planner

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
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
	name, _ := readIdent(strings.TrimPrefix(lines[0], "CREATE TABLE "))
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
		n, _ := readIdent(l)
		return elemKey{elemColumn, n}
	}
	if strings.HasPrefix(l, "PRIMARY KEY ") {
		return elemKey{elemPK, "PRIMARY"}
	}
	if rest, ok := strings.CutPrefix(l, "CONSTRAINT "); ok {
		n, rest := readIdent(rest)
		if strings.HasPrefix(strings.TrimSpace(rest), "FOREIGN KEY") {
			return elemKey{elemFK, n}
		}
		return elemKey{elemCheck, n}
	}
	if i := strings.Index(l, "KEY `"); i >= 0 && !strings.Contains(l[:i], "`") {
		n, _ := readIdent(l[i+len("KEY "):])
		return elemKey{elemIndex, n}
	}
	return elemKey{elemOther, l}
}

// readIdent reads a backquoted identifier at the start of s and returns it
// unquoted with the rest of s.
func readIdent(s string) (string, string) {
	if !strings.HasPrefix(s, "`") {
		return "", s
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '`' {
			if i+1 < len(s) && s[i+1] == '`' {
				b.WriteByte('`')
				i++
				continue
			}
			return b.String(), s[i+1:]
		}
		b.WriteByte(s[i])
	}
	return b.String(), ""
}

// columnAttrs splits a column line of SHOW CREATE TABLE into its attributes
// ("type", "NULL", "DEFAULT", "ON UPDATE", ...), for messages that name
// what differs. MariaDB prints them in a fixed order and form.
func columnAttrs(line string) map[string]string {
	_, rest := readIdent(line)
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
