// Package layout holds the test that keeps the module's imports pointing
// down the data flow.
package layout_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/stratadb/strata"

// flow ranks the module's directories along the data flow: a package may
// import its own rank or a lower one, never a higher one. The longest
// matching prefix wins, so a sub-package can be ranked apart from its parent.
var flow = []struct {
	dir  string
	rank int
}{
	{"schemas", 0},
	{"spec", 0},
	{"layers", 1},
	{"planner", 2},
	{"reconciler", 3},
	{"cmd", 4},
	{"scripts", 4},
}

// rankOf returns dir's rank, or false when no entry of flow covers it.
func rankOf(dir string) (int, bool) {
	best, rank := -1, 0
	for _, f := range flow {
		if (dir == f.dir || strings.HasPrefix(dir, f.dir+"/")) && len(f.dir) > best {
			best, rank = len(f.dir), f.rank
		}
	}
	return rank, best >= 0
}

// TestImportsPointDownTheFlow keeps spec -> layers -> planner -> reconciler
// -> cmd true: every Go file (tests too, whatever their build tags) is read,
// and an import of a package above its own fails the test. A new top-level
// directory fails too until flow places it.
func TestImportsPointDownTheFlow(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	const root = "../.." // the module root, from scripts/layout
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		from, ok := rankOf(dir)
		if !ok {
			t.Errorf("%s: directory %s has no place in the data flow: add it to flow in layout_test.go", path, dir)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !strings.HasPrefix(p, module+"/") {
				continue
			}
			to, ok := rankOf(strings.TrimPrefix(p, module+"/"))
			if !ok {
				t.Errorf("%s imports %s, which has no place in the data flow", fset.Position(imp.Pos()), p)
				continue
			}
			if to > from {
				t.Errorf("%s: %s imports %s, above it in the data flow (spec -> layers -> planner -> reconciler -> cmd): move the code it needs down",
					fset.Position(imp.Pos()), dir, p)
			}
			checked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatalf("no imports of %s found: is %s the module root, seen from %s?", module, root, mustGetwd(t))
	}
}

func TestRankOf(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want int
		ok   bool
	}{
		{"spec/source", 0, true},
		{"layers/fingerprint", 1, true},
		{"reconciler/render", 3, true},
		{"planner/plantest", 2, true},
		{"reconciler/daemon/console", 3, true},
		{"cmd/strata", 4, true},
		{"specials", 0, false}, // a prefix of the name is not the directory
		{"internal/other", 0, false},
	} {
		got, ok := rankOf(tc.dir)
		if got != tc.want || ok != tc.ok {
			t.Errorf("rankOf(%q) = %d, %v; want %d, %v", tc.dir, got, ok, tc.want, tc.ok)
		}
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
