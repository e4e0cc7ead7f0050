package source

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePR(t *testing.T) {
	tests := []struct {
		name    string
		message string
		want    int
	}{
		{"github merge commit", "Merge pull request #123 from org/add-tenant\n\nAdd tenant acme\n", 123},
		{"github squash title", "Add blog module to party template (#77)\n\n* add module\n* fix\n", 77},
		{"github squash trailing space", "Add posts (#5) \n", 5},
		{"github revert of a squash", "Revert \"Add posts (#5)\" (#9)\n", 9},
		{"gitlab merge commit", "Merge branch 'feature' into 'main'\n\nAdd tenant\n\nSee merge request group/sub/config!456", 456},
		{"gitlab squash with trailer", "Add tenant\n\nSee merge request org/config!12\n", 12},
		{"bitbucket merge", "Merged in feature/x (pull request #8)\n\nAdd x\n", 8},
		{"plain commit", "Add tenant acme\n", 0},
		{"issue reference in body", "Add tenant\n\nFixes #12\n", 0},
		{"squash-like text in body only", "Add tenant\n\nfollow-up to (#12)\n", 0},
		{"local merge of a branch", "Merge branch 'pr-1'\n", 0},
		{"merge pull request without number", "Merge pull request from org/x\n", 0},
		{"number in middle of title", "Fix (#3) and more\n", 0},
		{"overflowing number", "Big (#99999999999999999999999)\n", 0},
		{"gitlab mention mid-line", "Add tenant, see merge request org/config!12 for context\n", 0},
		{"empty", "", 0},
		{"leading blank lines", "\n\nAdd posts (#6)\n", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParsePR(tt.message))
		})
	}
}
