package spec

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/encoding/yaml"
)

// doc is one YAML document of the repo, validated against its CUE definition.
type doc struct {
	path string
	data cue.Value // as written: positions of keys and values
}

// pos returns the position of the value at a path such as
// ("modules", 1), or line 0 when the document does not hold it.
func (d *doc) pos(sels ...any) pos {
	p := pos{path: d.path}
	if d == nil || !d.data.Exists() {
		return p
	}
	v := d.data.LookupPath(makePath(sels...))
	if !v.Exists() {
		return p
	}
	// Point at the value, not at its key: "template: ngoo" reports ngoo.
	tp := v.Pos()
	if f, ok := v.Source().(*ast.Field); ok && f.Value != nil {
		tp = f.Value.Pos()
	}
	if tp.IsValid() {
		p.line, p.col = tp.Line(), tp.Column()
	}
	return p
}

func makePath(sels ...any) cue.Path {
	out := make([]cue.Selector, 0, len(sels))
	for _, s := range sels {
		switch s := s.(type) {
		case string:
			out = append(out, cue.Str(s))
		case int:
			out = append(out, cue.Index(s))
		}
	}
	return cue.MakePath(out...)
}

// yamlErrLine matches "file:LINE: message" as the YAML decoder reports it.
var yamlErrLine = regexp.MustCompile(`^.*?:(\d+): (.*)$`)

// decode validates the YAML file at path against the definition def and, when
// it is valid, decodes it into out. Problems go to ds; ok reports validity.
func decode(ctx *cue.Context, def cue.Value, path string, src []byte, out any, ds *diags) (d *doc, ok bool) {
	if !precheckYAML(path, src, ds) {
		return &doc{path: path}, false
	}
	f, err := yaml.Extract(path, src)
	if err != nil {
		for _, e := range errors.Errors(err) {
			line, msg := 0, e.Error()
			if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
				// The YAML parser reports the start of the enclosing block or
				// flow collection of these errors 0-based.
				if strings.HasPrefix(msg, "did not find expected") {
					line++
				}
			}
			ds.add(path, line, 0, "fix the YAML syntax", "invalid YAML: %s", msg)
		}
		return nil, false
	}
	data := ctx.BuildFile(f)
	d = &doc{path: path, data: data}
	if err := data.Err(); err != nil {
		ds.add(path, 0, 0, "fix the YAML", "invalid YAML: %v", err)
		return d, false
	}
	if data.IncompleteKind() != cue.StructKind {
		ds.add(path, 1, 1, "write the keys of the document as a YAML mapping (key: value)", "the document is not a mapping of keys")
		return d, false
	}
	before := len(ds.list)
	unknownKeys(data, def, nil, path, ds)
	u := def.Unify(data)
	cueErrors(u.Validate(cue.Concrete(true)), data, path, ds)
	if len(ds.list) > before {
		return d, false
	}
	if err := u.Decode(out); err != nil {
		ds.add(path, 0, 0, "see `strata schema` for the format", "cannot decode: %v", err)
		return d, false
	}
	return d, true
}

// unknownKeys reports every key of data that def does not declare, with a
// did-you-mean hint. CUE reports closedness errors only when nothing else is
// wrong; walking the document ourselves reports them all at once.
func unknownKeys(data, def cue.Value, at []string, path string, ds *diags) {
	it, err := data.Fields()
	if err != nil {
		return
	}
	for it.Next() {
		sel := it.Selector()
		name := sel.Unquoted()
		if !def.Allows(sel) {
			var allowed []string
			if dit, err := def.Fields(cue.Optional(true)); err == nil {
				for dit.Next() {
					allowed = append(allowed, dit.Selector().Unquoted())
				}
			}
			where := "at the top level"
			if len(at) > 0 {
				where = "in " + strings.Join(at, ".")
			}
			p := keyPos(it.Value())
			ds.add(path, p.line, p.col, didYouMean(name, allowed, "allowed keys"), "unknown key %q %s", name, where)
			continue
		}
		if it.Value().IncompleteKind() != cue.StructKind {
			continue // no keys below: no lookup (loading 10,000 tenants spent a fifth of its time here)
		}
		child := def.LookupPath(cue.MakePath(sel))
		if !child.Exists() {
			child = def.LookupPath(cue.MakePath(sel.Optional()))
		}
		if !child.Exists() {
			child = def.LookupPath(cue.MakePath(cue.AnyString))
		}
		if child.Exists() {
			unknownKeys(it.Value(), child, append(append([]string(nil), at...), name), path, ds)
		}
	}
}

// keyPos is the position of the key of a field value, else of the value.
func keyPos(v cue.Value) pos {
	var p pos
	if f, ok := v.Source().(*ast.Field); ok && f.Label != nil {
		tp := f.Label.Pos()
		p.line, p.col = tp.Line(), tp.Column()
		return p
	}
	if tp := v.Pos(); tp.IsValid() {
		p.line, p.col = tp.Line(), tp.Column()
	}
	return p
}

var (
	conflictRe = regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types .*\))?$`)
	boundRe    = regexp.MustCompile(`^invalid value .* \(out of bound (.+)\)$`)
)

// cueErrors turns CUE validation errors into diagnostics at the document's
// positions. The alternatives of a failed disjunction (an enum) are merged
// into one diagnostic.
func cueErrors(err error, data cue.Value, path string, ds *diags) {
	type group struct {
		key   []string
		p     pos
		msgs  []string
		disj  bool
		first int
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range errors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if msg == "field not allowed" {
			continue // reported by unknownKeys
		}
		key := e.Path()
		if len(key) > 0 && strings.HasPrefix(key[0], "#") {
			key = key[1:]
		}
		k := strings.Join(key, ".")
		g := groups[k]
		if g == nil {
			g = &group{key: key}
			groups[k] = g
			order = append(order, k)
		}
		if strings.HasSuffix(msg, "errors in empty disjunction:") {
			g.disj = true
			continue
		}
		for _, p := range errors.Positions(e) {
			if p.Filename() == path && g.p.line == 0 {
				g.p = pos{path: path, line: p.Line(), col: p.Column()}
			}
		}
		g.msgs = append(g.msgs, msg)
	}
	for _, k := range order {
		g := groups[k]
		if len(g.msgs) == 0 {
			continue
		}
		label := k
		if label == "" {
			label = "document"
		}
		switch {
		case g.disj && len(g.msgs) > 1:
			got := fmt.Sprint(data.LookupPath(keyPath(g.key)))
			var want []string
			for _, m := range g.msgs {
				if c := conflictRe.FindStringSubmatch(m); c != nil {
					if c[1] == got {
						want = append(want, c[2])
					} else {
						want = append(want, c[1])
					}
				} else if b := boundRe.FindStringSubmatch(m); b != nil {
					want = append(want, b[1])
				}
			}
			sort.Strings(want)
			ds.add(path, g.p.line, g.p.col, "use one of: "+strings.Join(want, ", "), "%s: %s is not allowed", label, got)
		case g.msgs[0] == "field is required but not present":
			where := ""
			if len(g.key) > 1 {
				where = " in " + strings.Join(g.key[:len(g.key)-1], ".")
			}
			last := g.key[len(g.key)-1]
			ds.add(path, g.p.line, g.p.col, fmt.Sprintf("add %q; see `strata schema` for the format", last), "missing required key %q%s", last, where)
		default:
			ds.add(path, g.p.line, g.p.col, hintFor(g.key, g.msgs[0]), "%s: %s", label, g.msgs[0])
		}
	}
}

func keyPath(key []string) cue.Path {
	sels := make([]any, len(key))
	for i, k := range key {
		if n, err := strconv.Atoi(k); err == nil {
			sels[i] = n
		} else {
			sels[i] = k
		}
	}
	return makePath(sels...)
}

// hintFor says what to do about a CUE constraint violation.
func hintFor(key []string, msg string) string {
	last := ""
	if len(key) > 0 {
		last = key[len(key)-1]
	}
	switch {
	case strings.Contains(msg, `^[a-z][a-z0-9-]*$`):
		return "names are lowercase letters, digits and '-', starting with a letter"
	case last == "version":
		return "write a semantic version such as 1.2.0, in quotes if YAML reads it as a number"
	case strings.Contains(msg, "mismatched types"):
		return "give the key a value of the type `strata schema` shows"
	}
	return "see `strata schema` for the format"
}
