package spec

import "fmt"

// SQLError is a rendered seed statement SplitSeedSQL rejects: where it is
// in the rendered text, what is wrong and what to do.
type SQLError struct {
	Line, Col int
	Msg, Hint string
}

func (e *SQLError) Error() string { return fmt.Sprintf("%d:%d: %s (%s)", e.Line, e.Col, e.Msg, e.Hint) }

// SplitSeedSQL splits a rendered seed file like SplitSQL and checks every
// statement with the rule the loader applies to seed files (INSERT,
// REPLACE, UPDATE and DELETE on the tenant's own tables only). The loader
// checks the template; this checks what it rendered to, so a variable's
// value can never turn a seed into DDL. The error is a *SQLError.
func SplitSeedSQL(src []byte) ([]Statement, error) {
	stmts, lexErr := splitSQL(string(src), false)
	if lexErr != nil {
		return nil, &SQLError{Line: lexErr.Line, Col: lexErr.Col, Msg: lexErr.Msg, Hint: "a quote is not closed"}
	}
	out := make([]Statement, len(stmts))
	for i, s := range stmts {
		if ps := checkSeedStmt(s.toks); len(ps) > 0 {
			return nil, &SQLError{Line: ps[0].tok.line, Col: ps[0].tok.col, Msg: ps[0].msg, Hint: ps[0].hint}
		}
		out[i] = Statement{SQL: s.sql, Line: s.toks[0].line}
	}
	return out, nil
}

// CheckLayerSafety checks one layer statement for what the loader rejects
// because layer SQL is untrusted: reading data or server state (SELECT,
// LOAD_FILE, SLEEP, variables, ...), DATA/INDEX DIRECTORY and CONNECTION=.
// The composer checks every statement with it right before it reaches the
// dev server, also statements that did not come from a layer file (a
// tenant's snapshot). Engines are left to the loader. The error is a
// *SQLError of the first problem, its position relative to the statement.
func CheckLayerSafety(stmt string) error {
	stmts, lexErr := splitSQL(stmt, false)
	if lexErr != nil {
		return &SQLError{Line: lexErr.Line, Col: lexErr.Col, Msg: lexErr.Msg, Hint: "a quote is not closed"}
	}
	for _, s := range stmts {
		if ps := checkLayerSafety(s.toks, nil); len(ps) > 0 {
			return &SQLError{Line: ps[0].tok.line, Col: ps[0].tok.col, Msg: ps[0].msg, Hint: ps[0].hint}
		}
	}
	return nil
}
