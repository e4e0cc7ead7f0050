package spec

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorCorpus loads every testdata/errors case (the base repo with the
// case's files laid over it) and checks the exact diagnostics, in order.
func TestErrorCorpus(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	if _, err := Load(base.fsys(repoCase{}), WithLookupEnv(base.lookupEnv)); err != nil {
		t.Fatalf("base repo is invalid: %v", err)
	}
	paths, err := filepath.Glob("testdata/errors/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txt"), func(t *testing.T) {
			c := readRepoCase(t, p)
			if len(c.want) == 0 {
				t.Fatal("case has no want lines")
			}
			_, err := Load(c.fsys(base), WithLookupEnv(c.lookupEnv))
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("want Diagnostics, got %v", err)
			}
			var got []string
			for _, d := range ds {
				if d.Hint == "" {
					t.Errorf("%s: no hint", d.String())
				}
				got = append(got, strings.SplitN(d.String(), "\n", 2)[0])
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("diagnostics:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}
