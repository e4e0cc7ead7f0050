package source

import (
	"regexp"
	"strconv"
	"strings"
)

// prPatterns recognise the commit messages that hosts write when they merge
// a pull/merge request. The first group is the number.
var prPatterns = []struct {
	firstLine bool // match the subject line only
	re        *regexp.Regexp
}{
	// GitHub merge commit: "Merge pull request #123 from org/branch".
	{true, regexp.MustCompile(`^Merge pull request #(\d+) from \S`)},
	// GitHub (and Gitea) squash or rebase merge: "Title (#123)".
	{true, regexp.MustCompile(`\(#(\d+)\)\s*$`)},
	// Bitbucket: "Merged in branch (pull request #123)".
	{true, regexp.MustCompile(`^Merged in \S+ \(pull request #(\d+)\)`)},
	// GitLab merge commit or squash: a trailer line "See merge request group/project!123".
	{false, regexp.MustCompile(`(?m)^See merge request \S+!(\d+)\s*$`)},
}

// ParsePR returns the pull/merge request number a commit message records, or
// 0 when the message is not one a host writes on merge. A "#12" mentioned in
// the body ("fixes #12") is not a merge and yields 0.
func ParsePR(message string) int {
	subject, _, _ := strings.Cut(strings.TrimLeft(message, "\n"), "\n")
	for _, p := range prPatterns {
		text := message
		if p.firstLine {
			text = subject
		}
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 {
			continue // too many digits to be a PR number
		}
		return n
	}
	return 0
}
