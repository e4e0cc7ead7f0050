package planner

import (
	"strings"

	"github.com/stratadb/strata/spec"
)

// Approved reports whether approve lists the canonical approval a. Keywords
// compare case-insensitively and whitespace is collapsed; the object name
// (the last word, "table.column") must match exactly, as table names are
// case-sensitive on Linux servers.
func Approved(approve spec.Approve, a string) bool {
	if a == "" {
		return false
	}
	want := canonical(a)
	for _, d := range approve.Destructive {
		if canonical(d) == want {
			return true
		}
	}
	return false
}

// canonical upper-cases every word of an approval but the last.
func canonical(s string) string {
	f := strings.Fields(s)
	for i := 0; i < len(f)-1; i++ {
		f[i] = strings.ToUpper(f[i])
	}
	return strings.Join(f, " ")
}
