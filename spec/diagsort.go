package spec

import (
	"fmt"
	"sort"
)

// diags collects the problems of one load.
type diags struct{ list Diagnostics }

// add records a problem at path:line:col.
func (d *diags) add(path string, line, col int, hint, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	d.list = append(d.list, Diagnostic{Path: path, Line: line, Col: col, Message: msg, Hint: hint})
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
