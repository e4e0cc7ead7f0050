package spec

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// repoCase is a test repo written as one text file: a header of directives,
// then files, each introduced by a "-- path --" line (the txtar layout).
//
//	# comment
//	env NAME=value      environment for ${NAME} in DSNs
//	want path:line:col: message   one expected diagnostic, in order
//	-- strata.yaml --
//	...
//
// A file whose body is exactly "DELETE\n" removes that path from the base.
type repoCase struct {
	env   map[string]string
	want  []string
	files map[string]string
}

func readRepoCase(t testing.TB, path string) repoCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := repoCase{env: map[string]string{}, files: map[string]string{}}
	var cur string
	inFiles := false
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			cur = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			c.files[cur] = ""
			inFiles = true
			continue
		}
		if inFiles {
			c.files[cur] += line + "\n"
			continue
		}
		switch {
		case strings.HasPrefix(line, "want "):
			c.want = append(c.want, strings.TrimPrefix(line, "want "))
		case strings.HasPrefix(line, "env "):
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "env "), "=")
			c.env[k] = v
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			t.Fatalf("%s: unknown directive %q", path, line)
		}
	}
	return c
}

// fsys returns the case's files laid over base.
func (c repoCase) fsys(base repoCase) fstest.MapFS {
	m := fstest.MapFS{}
	for p, body := range base.files {
		m[p] = &fstest.MapFile{Data: []byte(body)}
	}
	for p, body := range c.files {
		if body == "DELETE\n" {
			delete(m, p)
			continue
		}
		m[p] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func (c repoCase) lookupEnv(name string) (string, bool) {
	v, ok := c.env[name]
	return v, ok
}
