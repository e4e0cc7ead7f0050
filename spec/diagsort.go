package spec

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// diags collects the problems of one load.
type diags struct{ list Diagnostics }

// add records a problem at path:line:col.
func (d *diags) add(path string, line, col int, hint, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	d.list = append(d.list, Diagnostic{Path: printable(path), Line: line, Col: col, Message: printable(msg), Hint: hint})
}

// printable escapes control characters and invalid UTF-8 as \xNN: a
// diagnostic may quote file content (a NUL byte, an escape sequence) and
// must never echo it raw to a terminal or a PR comment.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x20 || r == 0x7f || (r == utf8.RuneError && n == 1) {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// at records a problem at a position.
func (d *diags) at(p pos, hint, format string, args ...any) {
	d.add(p.path, p.line, p.col, hint, format, args...)
}

// sorted returns the problems sorted by path, line, column and message,
// without duplicates.
func (d *diags) sorted() Diagnostics {
	out := append(Diagnostics(nil), d.list...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
	uniq := out[:0]
	for i, x := range out {
		if i > 0 && x == out[i-1] {
			continue
		}
		uniq = append(uniq, x)
	}
	return uniq
}

// pos is a position in a repo file.
type pos struct {
	path      string
	line, col int
}
