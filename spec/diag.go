package spec

import (
	"fmt"
	"strings"
)

// Diagnostic is one problem found in a config repo, with where it is and what to do.
type Diagnostic struct {
	Path    string // repo-relative, slash-separated
	Line    int    // 1-based; 0 when the problem is about the whole file
	Col     int    // 1-based; 0 when unknown
	Message string // what is wrong
	Hint    string // what to do about it
}

// String renders the diagnostic as "path:line:col: message" and, on a second
// indented line, the hint.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Path)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
		if d.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString("\n\t")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// Diagnostics is every problem found in a config repo. Load returns it as its
// error when the repo is invalid.
type Diagnostics []Diagnostic

// Error joins all diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
