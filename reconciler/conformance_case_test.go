package reconciler

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// confDir holds the conformance cases (see confCase) and the two lists of
// cases whose result is known to fall short (see confList).
const confDir = "testdata/conformance"

// confCase is one testdata/conformance/*.txtar file. Its header (the lines
// before the first "-- name --" line) holds "key: value" lines; other
// header lines describe the case. Keys:
//
//	expect: converge (default) | blocked | rejected
//	reason: blocked: text the plan's reason holds; rejected: text of the validation error
//	line:   rejected: the line of desired.sql the validation error names
//	plan:   text the first plan of desired must hold (a statement, its comment or the error); repeatable
//	check:  SQL => value, a query on the tenant after the apply and its one-cell answer (data kept); repeatable
//
// Sections: current.sql (the basic layer the tenant is provisioned at; may be
// empty), desired.sql (the layer it is changed to), data.sql (optional: rows
// inserted into the tenant after provisioning, before the change).
type confCase struct {
	name    string
	path    string
	expect  string
	reason  string
	line    int
	plan    []string
	checks  [][2]string
	current string
	desired string
	data    string
}

// Case outcomes.
const (
	expectConverge = "converge"
	expectBlocked  = "blocked"
	expectRejected = "rejected"
)

// loadConfCases reads every case file in dir, sorted by name.
func loadConfCases(dir string) ([]*confCase, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []*confCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		c, err := parseConfCase(p, string(data))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// parseConfCase parses one case file (txtar layout).
func parseConfCase(path, text string) (*confCase, error) {
	c := &confCase{name: strings.TrimSuffix(filepath.Base(path), ".txtar"), path: path, expect: expectConverge}
	sections := map[string]*strings.Builder{}
	var cur *strings.Builder
	for i, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			cur = &strings.Builder{}
			sections[strings.TrimSpace(trimmed[3:len(trimmed)-3])] = cur
			continue
		}
		if cur != nil {
			cur.WriteString(line)
			continue
		}
		if err := c.header(trimmed); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
	}
	for name := range sections {
		switch name {
		case "current.sql", "desired.sql", "data.sql":
		default:
			return nil, fmt.Errorf("%s: unknown section %q (want current.sql, desired.sql, data.sql)", path, name)
		}
	}
	d, ok := sections["desired.sql"]
	if !ok {
		return nil, fmt.Errorf("%s: no desired.sql section", path)
	}
	c.desired = d.String()
	if s := sections["current.sql"]; s != nil {
		c.current = s.String()
	}
	if s := sections["data.sql"]; s != nil {
		c.data = s.String()
	}
	switch {
	case c.expect != expectConverge && c.reason == "":
		return nil, fmt.Errorf("%s: expect: %s needs a reason: line", path, c.expect)
	case c.expect == expectRejected && c.line == 0:
		return nil, fmt.Errorf("%s: expect: rejected needs a line: (the line of desired.sql named)", path)
	}
	return c, nil
}

// header reads one header line into c.
func (c *confCase) header(line string) error {
	key, value, ok := strings.Cut(line, ":")
	if !ok || strings.HasPrefix(line, "#") || strings.ContainsAny(key, " \t") {
		return nil // description
	}
	value = strings.TrimSpace(value)
	switch key {
	case "expect":
		if value != expectConverge && value != expectBlocked && value != expectRejected {
			return fmt.Errorf("expect: %q, want converge, blocked or rejected", value)
		}
		c.expect = value
	case "reason":
		c.reason = value
	case "line":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("line: %w", err)
		}
		c.line = n
	case "plan":
		c.plan = append(c.plan, value)
	case "check":
		q, want, ok := strings.Cut(value, "=>")
		if !ok {
			return fmt.Errorf("check: %q, want SQL => value", value)
		}
		c.checks = append(c.checks, [2]string{strings.TrimSpace(q), strings.TrimSpace(want)})
	default:
		return fmt.Errorf("unknown key %q", key)
	}
	return nil
}

// confList is a list file of case names with a reason each: "name: reason"
// lines; blank lines and lines starting with # are ignored.
type confList map[string]string

// loadConfList reads a list file; a missing file is an empty list.
func loadConfList(path string) (confList, error) {
	fh, err := os.Open(path)
	if os.IsNotExist(err) {
		return confList{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	l := confList{}
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"case-name: reason\"", path, n)
		}
		l[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return l, sc.Err()
}
