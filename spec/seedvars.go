package spec

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
)

// VarContext is where in the SQL a seed template prints a variable.
type VarContext int

// Where a bare {{ .Vars.name }} stands.
const (
	InCode   VarContext = iota // in the statement itself: WHERE id = {{ .Vars.uid }}
	InString                   // inside a quoted string: 'org-{{ .Vars.slug }}'
	InIdent                    // inside a `quoted identifier`
)

// VarUse is one {{ .Vars.name }} of a seed file: printed bare (Bare, at
// Context) or an argument (of quote, of an if).
type VarUse struct {
	Name    string
	Line    int
	Col     int
	Bare    bool
	Context VarContext
}

// seedVarBad is an action that prints a variable in a way strata cannot
// check (printf, index, a $variable, dot inside with/range).
type seedVarBad struct {
	line, col int
	text      string
}

var (
	// safeNumber is a value that stays one number token wherever it is printed.
	safeNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	// safeIdent is a value that stays one identifier inside backquotes.
	safeIdent = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	// safeInString is a value that cannot end or escape a quoted string.
	safeInString = regexp.MustCompile(`^[\p{L}\p{N} _.@:+/-]*$`)
)

// BareVarProblem says why value may not be printed bare at u (a Bare
// use), or "" when it may: in code only a number, inside a quoted
// identifier only a number or identifier characters, inside a string only
// text without quotes, backslashes or control characters. Everything else
// must go through quote.
func BareVarProblem(u VarUse, value string) string {
	switch u.Context {
	case InIdent:
		if safeNumber.MatchString(value) || safeIdent.MatchString(value) {
			return ""
		}
		return "is printed inside a quoted identifier but holds characters other than letters, digits and _"
	case InString:
		if safeInString.MatchString(value) {
			return ""
		}
		return "is printed inside a string but holds a quote, backslash or other character that could end it"
	default:
		if safeNumber.MatchString(value) {
			return ""
		}
		return "is printed bare into the statement but is not a number"
	}
}

// SeedVarUses returns every {{ .Vars.name }} of seed template src, in
// order. The error names the first action that prints a variable in a way
// strata cannot check (anything but {{ .Vars.name }} or a pipeline ending in
// quote) with its line; a template that does not parse returns nil, nil
// (the loader reports it).
func SeedVarUses(src string) ([]VarUse, error) {
	tmpl, err := template.New("seed").Funcs(seedParseFuncs()).Parse(src)
	if err != nil || tmpl.Tree == nil {
		return nil, nil
	}
	w := &varWalk{src: src}
	w.list(tmpl.Tree.Root)
	w.contexts()
	if len(w.bad) > 0 {
		b := w.bad[0]
		return w.uses, &SQLError{Line: b.line, Col: b.col, Msg: fmt.Sprintf("%s prints a variable strata cannot check", b.text),
			Hint: "print a variable as {{ quote .Vars.name }}, or bare as {{ .Vars.name }} when it holds a number"}
	}
	return w.uses, nil
}

// varWalk collects the variable uses of a parsed seed template.
type varWalk struct {
	src  string
	uses []VarUse
	offs []int // byte offset of each use, for its context
	bad  []seedVarBad
}

func (w *varWalk) pos(p parse.Pos) (int, int) {
	before := w.src[:int(p)]
	line := strings.Count(before, "\n") + 1
	return line, int(p) - strings.LastIndexByte(before, '\n')
}

func (w *varWalk) list(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			w.action(n)
		case *parse.IfNode:
			w.branch(&n.BranchNode)
		case *parse.RangeNode:
			w.branch(&n.BranchNode)
		case *parse.WithNode:
			w.branch(&n.BranchNode)
		}
	}
}

// branch walks an if/range/with: its pipeline prints nothing.
func (w *varWalk) branch(b *parse.BranchNode) {
	w.args(b.Pipe)
	w.list(b.List)
	w.list(b.ElseList)
}

func (w *varWalk) action(a *parse.ActionNode) {
	p := a.Pipe
	if len(p.Decl) > 0 { // {{ $x := ... }} prints nothing
		w.args(p)
		return
	}
	if last := p.Cmds[len(p.Cmds)-1]; len(last.Args) > 0 {
		if id, ok := last.Args[0].(*parse.IdentifierNode); ok && id.Ident == "quote" {
			w.args(p)
			return
		}
	}
	if len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 {
		if f, ok := p.Cmds[0].Args[0].(*parse.FieldNode); ok && len(f.Ident) == 2 && f.Ident[0] == "Vars" {
			w.add(f.Ident[1], f.Pos, true)
			return
		}
	}
	if w.args(p) {
		line, col := w.pos(a.Pos)
		w.bad = append(w.bad, seedVarBad{line, col, "{{" + a.Pipe.String() + "}}"})
	}
}

// args records the .Vars uses of p's arguments and reports whether p
// involves something derived from a variable ($x, dot, .Vars).
func (w *varWalk) args(p *parse.PipeNode) bool {
	derived := false
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.FieldNode:
				if len(a.Ident) >= 2 && a.Ident[0] == "Vars" {
					w.add(a.Ident[1], a.Pos, false)
					derived = true
				} else if len(a.Ident) == 0 || a.Ident[0] != "Tenant" {
					derived = true
				}
			case *parse.VariableNode, *parse.DotNode, *parse.ChainNode:
				derived = true
			case *parse.PipeNode:
				derived = w.args(a) || derived
			}
		}
	}
	return derived
}

func (w *varWalk) add(name string, p parse.Pos, bare bool) {
	// A field chain's position is its last field's: point at .Vars.
	if strings.HasSuffix(w.src[:p], ".Vars") {
		p -= parse.Pos(len(".Vars"))
	}
	line, col := w.pos(p)
	w.uses = append(w.uses, VarUse{Name: name, Line: line, Col: col, Bare: bare})
	w.offs = append(w.offs, int(p))
}

// contexts sets where each bare use stands: the token of the seed SQL that
// holds its action.
func (w *varWalk) contexts() {
	stmts, err := splitSQL(w.src, true)
	if err != nil {
		return // reported by the loader; every use stays InCode, the strictest
	}
	for i := range w.uses {
		off := w.offs[i]
		for _, s := range stmts {
			for _, t := range s.toks {
				if t.start <= off && off < t.end {
					switch t.kind {
					case tokString:
						w.uses[i].Context = InString
					case tokIdent:
						w.uses[i].Context = InIdent
					}
				}
			}
		}
	}
}

// checkSeedVars reports, for tenant t (its tenant.yaml read as d), every
// seed variable its layers use that t does not set, and every bare use whose
// value BareVarProblem refuses: at validate time, not at apply after the
// tenant was provisioned.
func (l *loader) checkSeedVars(t *Tenant, d *doc) {
	for _, layer := range t.Layers {
		for _, f := range layer.Seeds {
			missing := map[string]bool{}
			for _, u := range l.seedVars[f.Path] {
				value, ok := t.Vars[u.Name]
				at := d.pos("vars", u.Name)
				switch {
				case !ok && !missing[u.Name]:
					missing[u.Name] = true
					l.ds.add(f.Path, u.Line, u.Col, fmt.Sprintf("set vars.%s in %s", u.Name, t.Path),
						"tenant %s does not set var %s, which this seed uses", t.Name, u.Name)
				case ok && u.Bare:
					if why := BareVarProblem(u, value); why != "" {
						l.ds.add(f.Path, u.Line, u.Col, fmt.Sprintf("write {{ quote .Vars.%s }} (without surrounding quotes)", u.Name),
							"var %s of tenant %s (%s:%d) %s: %q", u.Name, t.Name, t.Path, at.line, why, value)
					}
				}
			}
		}
	}
}
