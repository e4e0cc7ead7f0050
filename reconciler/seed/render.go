// Package seed renders a layer's seed files for one tenant.
//
// A seed file is a Go text/template over Data: {{ .Tenant.Name }},
// {{ .Tenant.Database }}, {{ .Vars.display_name }}, and the function quote,
// which renders any value as a safe SQL string literal:
//
//	INSERT INTO settings (k, v) VALUES ('display_name', {{ quote .Vars.display_name }});
//
// A variable printed bare must be safe where it stands (spec.BareVarProblem:
// a number in the statement, identifier characters inside a quoted
// identifier, text without quotes inside a string); anything else must go
// through quote. spec.Load checks this for every tenant at validate; Render
// checks again, so a tenant.yaml value can never inject SQL.
package seed

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/stratadb/strata/spec"
)

// Data is what a seed template sees.
type Data struct {
	Tenant Tenant
	Vars   map[string]Var // the tenant's seed variables; a missing one is an error
}

// Tenant is the tenant as a seed template sees it. Its fields are validated
// names, safe to print bare.
type Tenant struct {
	Name     string
	Database string
	Template string
}

// Var is one seed variable. Printed bare it renders its value, unless the
// value could break out of SQL quoting; quote renders it as a literal.
type Var struct {
	name, value string
	misuse      *[]string // names of unsafe vars printed bare, shared by one render
}

// bareSafe matches values that cannot change a statement's meaning when
// printed bare: words, numbers, dates, e-mail-like text. Anything else, even
// without quotes (`1); DELETE FROM members WHERE (1=1`), must go through quote.
var bareSafe = regexp.MustCompile(`^[\p{L}\p{N} _.@:+-]*$`)

// String renders the value for bare use; an unsafe value is recorded as
// misuse and rendered empty, and Render then fails.
func (v Var) String() string {
	if !bareSafe.MatchString(v.value) {
		*v.misuse = append(*v.misuse, v.name)
		return ""
	}
	return v.value
}

// Error is a seed file that cannot be rendered for a tenant.
type Error struct {
	Path   string // repo-relative seed file
	Line   int    // 1-based; 0 when unknown
	Tenant string
	Msg    string
}

// Error renders "seed: path:line: tenant NAME: message".
func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	return fmt.Sprintf("seed: %s: tenant %s: %s", loc, e.Tenant, e.Msg)
}

// Render executes seed file f for tenant t and splits the result into
// statements, each checked again with spec's seed-statement rule: only DML
// on the tenant's own tables, whatever the vars held.
func Render(f *spec.File, t *spec.Tenant) ([]spec.Statement, error) {
	tmpl, err := template.New(f.Path).Option("missingkey=error").
		Funcs(template.FuncMap{"quote": Quote}).Parse(string(f.Content))
	if err != nil {
		return nil, &Error{Path: f.Path, Tenant: t.Name, Msg: fmt.Sprintf("%v (fix the template syntax)", err)}
	}
	if err := checkBare(f, t); err != nil {
		return nil, err
	}
	var misuse []string
	data := Data{
		Tenant: Tenant{Name: t.Name, Database: t.Database, Template: t.Template},
		Vars:   make(map[string]Var, len(t.Vars)),
	}
	for k, v := range t.Vars {
		data.Vars[k] = Var{name: k, value: v, misuse: &misuse}
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, &Error{Path: f.Path, Tenant: t.Name, Msg: fmt.Sprintf("%v (is the variable set under vars: in %s?)", err, t.Path)}
	}
	if len(misuse) > 0 {
		sort.Strings(misuse)
		name := misuse[0]
		return nil, &Error{
			Path: f.Path, Line: lineOf(f.Content, ".Vars."+name), Tenant: t.Name,
			Msg: fmt.Sprintf("var %s holds characters unsafe in SQL (bare vars may hold only letters, digits, spaces and _.@:+-) and is used without quote: write {{ quote .Vars.%s }}", name, name),
		}
	}
	stmts, err := spec.SplitSeedSQL(out.Bytes())
	var se *spec.SQLError
	if errors.As(err, &se) {
		return nil, &Error{Path: f.Path, Line: se.Line, Tenant: t.Name,
			Msg: fmt.Sprintf("renders to a statement a seed may not run: %s (%s; check the vars this line prints)", se.Msg, se.Hint)}
	}
	if err != nil {
		return nil, &Error{Path: f.Path, Tenant: t.Name, Msg: err.Error()}
	}
	return stmts, nil
}

// checkBare refuses a seed whose bare variables are unsafe where they stand
// with t's values, or that prints a variable in a way strata cannot check.
func checkBare(f *spec.File, t *spec.Tenant) error {
	uses, err := spec.SeedVarUses(string(f.Content))
	var se *spec.SQLError
	if errors.As(err, &se) {
		return &Error{Path: f.Path, Line: se.Line, Tenant: t.Name, Msg: se.Msg + " (" + se.Hint + ")"}
	}
	for _, u := range uses {
		v, ok := t.Vars[u.Name]
		if !u.Bare || !ok {
			continue
		}
		if why := spec.BareVarProblem(u, v); why != "" {
			return &Error{Path: f.Path, Line: u.Line, Tenant: t.Name,
				Msg: fmt.Sprintf("var %s %s: write {{ quote .Vars.%s }} (without surrounding quotes)", u.Name, why, u.Name)}
		}
	}
	return nil
}

// lineOf returns the 1-based line of the first occurrence of s in b, or 0.
func lineOf(b []byte, s string) int {
	i := bytes.Index(b, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(b[:i], []byte("\n")) + 1
}

// Quote renders v as a single-quoted SQL string literal. It escapes
// backslashes, quotes, NUL, newlines, carriage returns and Ctrl-Z, so the
// literal is safe on a session without NO_BACKSLASH_ESCAPES (strata's seed
// sessions clear that mode). nil renders as NULL.
func Quote(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return "NULL"
	case Var:
		s = x.value
	case string:
		s = x
	default:
		s = fmt.Sprint(x)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
