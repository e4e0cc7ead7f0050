package seed

import (
	"strings"

	"github.com/stratadb/strata/spec"
)

// Split splits SQL text into statements at semicolons outside string
// literals, quoted identifiers and comments. Each statement keeps the line
// of its first token; empty statements are dropped.
func Split(text string) []spec.Statement {
	var (
		out   []spec.Statement
		start = -1 // byte offset of the current statement's first token
		line  = 1
		first = 0 // line of that token
	)
	flush := func(end int) {
		if start >= 0 {
			if s := strings.TrimSpace(text[start:end]); s != "" {
				out = append(out, spec.Statement{SQL: s, Line: first})
			}
		}
		start = -1
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line++
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		case c == '#' || (c == '-' && strings.HasPrefix(text[i:], "-- ")) || (c == '-' && strings.HasPrefix(text[i:], "--\n")):
			for i < len(text) && text[i] != '\n' {
				i++
			}
			i-- // let the newline count
			continue
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				end = len(text) - i - 4
			}
			line += strings.Count(text[i:i+2+end], "\n")
			i += end + 3
			continue
		case c == ';':
			flush(i)
			continue
		}
		if start < 0 {
			start, first = i, line
		}
		if c == '\'' || c == '"' || c == '`' {
			j := i + 1
			for ; j < len(text); j++ {
				if text[j] == '\\' && c != '`' {
					j++
					continue
				}
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c { // doubled quote
						j++
						continue
					}
					break
				}
			}
			if j >= len(text) {
				j = len(text) - 1
			}
			line += strings.Count(text[i:j+1], "\n")
			i = j
		}
	}
	flush(len(text))
	return out
}
