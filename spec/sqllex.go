package spec

import (
	"fmt"
	"strings"
)

// tokKind classifies a lexical token of layer or seed SQL.
type tokKind int

const (
	tokWord     tokKind = iota // unquoted keyword or identifier
	tokIdent                   // `quoted identifier`
	tokString                  // 'string' or "string"
	tokNumber                  // starts with a digit
	tokPunct                   // one character: ( ) , . ; = @ ...
	tokExec                    // /*! executable comment */: hides SQL from checks
	tokTemplate                // {{ text/template action }} in seed files
)

// token is one lexical token with its 1-based position.
type token struct {
	kind       tokKind
	text       string // as written; for tokWord upper-cased in upper
	upper      string
	line, col  int
	start, end int // byte offsets in the source
}

// sqlError is a lexical error at a position in a SQL file.
type sqlError struct {
	Line, Col int
	Msg       string
}

func (e *sqlError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// stmtTokens is one statement: its tokens and source text.
type stmtTokens struct {
	toks []token
	sql  string
}

// lexer splits MySQL/MariaDB SQL into tokens. It understands ” "" and “
// quoting (doubled quotes and backslash escapes), --, # and /* */ comments,
// and, in seed mode, {{ }} template actions, which are opaque.
type lexer struct {
	src       string
	pos       int
	line, col int
	seed      bool
}

func (lx *lexer) peek(off int) byte {
	if lx.pos+off < len(lx.src) {
		return lx.src[lx.pos+off]
	}
	return 0
}

// advance moves n bytes forward, tracking lines and columns.
func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.pos < len(lx.src); i++ {
		if lx.src[lx.pos] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.pos++
	}
}

// splitSQL splits src into statements at top-level semicolons. seed enables
// {{ }} template actions.
func splitSQL(src string, seed bool) ([]stmtTokens, *sqlError) {
	lx := &lexer{src: src, line: 1, col: 1, seed: seed}
	var stmts []stmtTokens
	var cur []token
	flush := func() {
		if len(cur) == 0 {
			return
		}
		first, last := cur[0], cur[len(cur)-1]
		stmts = append(stmts, stmtTokens{toks: cur, sql: src[first.start:last.end]})
		cur = nil
	}
	for {
		tok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if tok == nil {
			flush()
			return stmts, nil
		}
		if tok.kind == tokPunct && tok.text == ";" {
			flush()
			continue
		}
		if len(cur) == 0 && tok.kind == tokWord && tok.upper == "DELIMITER" {
			// A mysql client command: it ends at the end of its line.
			for lx.pos < len(lx.src) && lx.peek(0) != '\n' {
				lx.advance(1)
			}
			tok.end = lx.pos
			cur = append(cur, *tok)
			flush()
			continue
		}
		cur = append(cur, *tok)
	}
}

// next returns the next token, nil at the end of input.
func (lx *lexer) next() (*token, *sqlError) {
	for lx.pos < len(lx.src) {
		c := lx.peek(0)
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			lx.advance(1)
		case c == '#' || (c == '-' && lx.peek(1) == '-' && isSpaceOrEnd(lx.peek(2))):
			for lx.pos < len(lx.src) && lx.peek(0) != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.peek(1) == '*':
			if lx.peek(2) == '!' || (lx.peek(2) == 'M' && lx.peek(3) == '!') {
				return lx.delimited(tokExec, "*/", "executable comment")
			}
			line, col := lx.line, lx.col
			end := strings.Index(lx.src[lx.pos+2:], "*/")
			if end < 0 {
				return nil, &sqlError{line, col, "unterminated /* comment"}
			}
			lx.advance(end + 4)
		default:
			return lx.token()
		}
	}
	return nil, nil
}

func isSpaceOrEnd(c byte) bool {
	return c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// token lexes one token starting at a non-space, non-comment byte.
func (lx *lexer) token() (*token, *sqlError) {
	c := lx.peek(0)
	switch {
	case lx.seed && c == '{' && lx.peek(1) == '{':
		return lx.delimited(tokTemplate, "}}", "template action {{")
	case c == '\'' || c == '"':
		return lx.quoted(tokString, c, true)
	case c == '`':
		return lx.quoted(tokIdent, c, false)
	case isWordByte(c):
		t := token{line: lx.line, col: lx.col, start: lx.pos}
		n := 0
		for isWordByte(lx.peek(n)) {
			n++
		}
		lx.advance(n)
		t.end = lx.pos
		t.text = lx.src[t.start:t.end]
		t.kind = tokWord
		if c >= '0' && c <= '9' {
			t.kind = tokNumber
		}
		t.upper = strings.ToUpper(t.text)
		return &t, nil
	default:
		t := token{kind: tokPunct, line: lx.line, col: lx.col, start: lx.pos, text: string(c)}
		lx.advance(1)
		t.end = lx.pos
		t.upper = t.text
		return &t, nil
	}
}

// delimited lexes a token that runs to the closing delimiter.
func (lx *lexer) delimited(kind tokKind, closing, what string) (*token, *sqlError) {
	t := token{kind: kind, line: lx.line, col: lx.col, start: lx.pos}
	end := strings.Index(lx.src[lx.pos+2:], closing)
	if end < 0 {
		return nil, &sqlError{t.line, t.col, "unterminated " + what}
	}
	lx.advance(end + 2 + len(closing))
	t.end = lx.pos
	t.text = lx.src[t.start:t.end]
	t.upper = t.text
	return &t, nil
}

// quoted lexes a quoted string or identifier; a doubled quote is a literal
// quote, and in strings a backslash escapes the next byte.
func (lx *lexer) quoted(kind tokKind, q byte, backslash bool) (*token, *sqlError) {
	t := token{kind: kind, line: lx.line, col: lx.col, start: lx.pos}
	lx.advance(1)
	for {
		if lx.pos >= len(lx.src) {
			what := "string"
			if kind == tokIdent {
				what = "quoted identifier"
			}
			return nil, &sqlError{t.line, t.col, fmt.Sprintf("unterminated %s starting with %c", what, q)}
		}
		c := lx.peek(0)
		switch {
		case backslash && c == '\\':
			lx.advance(2)
		case lx.seed && c == '{' && lx.peek(1) == '{':
			// A template action inside a string may hold quotes of its own.
			if end := strings.Index(lx.src[lx.pos:], "}}"); end >= 0 {
				lx.advance(end + 2)
			} else {
				lx.advance(1)
			}
		case c == q && lx.peek(1) == q:
			lx.advance(2)
		case c == q:
			lx.advance(1)
			t.end = lx.pos
			t.text = lx.src[t.start:t.end]
			t.upper = t.text
			return &t, nil
		default:
			lx.advance(1)
		}
	}
}

// SplitSQL splits SQL into statements at top-level semicolons, each with the
// line of its first token. It understands quotes, backslash escapes and
// comments, so the reconciler can split a rendered seed file the same way
// the loader split the layer files.
func SplitSQL(src []byte) ([]Statement, error) {
	stmts, err := splitSQL(string(src), false)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	out := make([]Statement, len(stmts))
	for i, s := range stmts {
		out[i] = Statement{SQL: s.sql, Line: s.toks[0].line}
	}
	return out, nil
}
