package spec

import (
	"fmt"
	"sort"
	"time"
)

// rollout reads rollout: from strata.yaml (CUE checked its shape): the
// bake duration and the post-wave check, which must be one read-only SELECT.
func (l *loader) rollout(d *doc) Rollout {
	raw := l.config.Rollout
	r := Rollout{MaxFailures: raw.MaxFailures, Check: raw.Check}
	if raw.Bake != "" {
		b, err := time.ParseDuration(raw.Bake)
		if err != nil || b < 0 {
			l.ds.at(d.pos("rollout", "bake"), "write a duration such as 10m or 1h", "rollout.bake: %q is not a duration", raw.Bake)
		}
		r.Bake = b
	}
	if raw.Check != "" {
		if err := CheckReadOnlySelect(raw.Check); err != nil {
			l.ds.at(d.pos("rollout", "check"), "write one SELECT whose first column is true when the tenant is healthy, e.g. SELECT COUNT(*) > 0 FROM members",
				"rollout.check: %v", err)
		}
	}
	return r
}

// sideEffectFuncs are functions a read-only check may not call: they change
// state (sequences, locks) or stall the server.
var sideEffectFuncs = map[string]bool{
	"NEXTVAL": true, "SETVAL": true, "LASTVAL": true, "RELEASE_ALL_LOCKS": true,
}

// CheckReadOnlySelect reports why sql is not one read-only SELECT: the
// post-wave check (rollout.check) runs on every tenant database, so it may
// not write, lock, assign variables or read the server's files. strata also
// runs it in a READ ONLY transaction with a statement time limit.
func CheckReadOnlySelect(sql string) error {
	stmts, lexErr := splitSQL(sql, false)
	if lexErr != nil {
		return fmt.Errorf("%d:%d: %s", lexErr.Line, lexErr.Col, lexErr.Msg)
	}
	if len(stmts) != 1 {
		return fmt.Errorf("must be exactly one statement, found %d", len(stmts))
	}
	toks := stmts[0].toks
	if toks[0].kind != tokWord || toks[0].upper != "SELECT" {
		return fmt.Errorf("must be a SELECT, not %s", toks[0].text)
	}
	for i, t := range toks {
		switch {
		case t.kind == tokExec:
			return fmt.Errorf("%d:%d: executable comments (/*! ... */) are not allowed", t.line, t.col)
		case t.kind == tokPunct && (t.text == "@" || t.text == ";"):
			return fmt.Errorf("%d:%d: %q is not allowed: variables and further statements could write", t.line, t.col, t.text)
		case t.kind != tokWord:
		case t.upper == "INTO":
			return fmt.Errorf("%d:%d: SELECT ... INTO writes: not allowed", t.line, t.col)
		case t.upper == "FOR" && i+1 < len(toks) && toks[i+1].upper == "UPDATE",
			t.upper == "LOCK" && i+1 < len(toks) && toks[i+1].upper == "IN":
			return fmt.Errorf("%d:%d: locking reads are not allowed", t.line, t.col)
		case isCall(toks, i), sideEffectFuncs[t.upper] && i+1 < len(toks) && toks[i+1].text == "(":
			return fmt.Errorf("%d:%d: %s() reads server state or has side effects: not allowed", t.line, t.col, t.upper)
		}
	}
	return nil
}

// Wave is one wave of a rollout: its number (tenant.yaml wave:) and its
// tenants, by name.
type Wave struct {
	Number  int
	Tenants []string
}

// Waves groups the named tenants (all when names is nil) by wave, lowest
// first; tenants keep fleet order. Waves without a tenant are left out.
func (f *Fleet) Waves(names []string) []Wave {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	by := map[int][]string{}
	for _, t := range f.Tenants {
		if names == nil || want[t.Name] {
			by[t.Wave] = append(by[t.Wave], t.Name)
		}
	}
	out := make([]Wave, 0, len(by))
	for n, ts := range by {
		out = append(out, Wave{Number: n, Tenants: ts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}
