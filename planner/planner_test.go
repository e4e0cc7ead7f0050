package planner_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// diffCase is a testdata/diff/*.txt file: txtar-like sections
// "-- current.sql --" (absent: the database does not exist),
// "-- desired.sql --", "-- approve --" (one approval a line) and "-- want --"
// (the expected plan, one line per statement as rendered by planLines).
type diffCase struct {
	current  *string
	desired  string
	approve  []string
	want     string
	hasWant  bool
	fileName string
}

func parseCase(t *testing.T, path string) diffCase {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	c := diffCase{fileName: path}
	sections := map[string]*strings.Builder{}
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --")
			cur = &strings.Builder{}
			sections[name] = cur
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	if s, ok := sections["current.sql"]; ok {
		v := s.String()
		c.current = &v
	}
	d, ok := sections["desired.sql"]
	require.True(t, ok, "%s: no desired.sql section", path)
	c.desired = d.String()
	if a, ok := sections["approve"]; ok {
		for _, l := range strings.Split(a.String(), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				c.approve = append(c.approve, l)
			}
		}
	}
	if w, ok := sections["want"]; ok {
		c.want, c.hasWant = strings.TrimSpace(w.String()), true
	}
	return c
}

// planLines renders a plan in the form the want sections use:
//
//	action <action>
//	<kind>[ blocked][ approval=<approval>][ codes=<codes>]: <sql>
//	unmanaged <object>
//	diverged <divergence>
func planLines(tp planner.TenantPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "action %s\n", tp.Action)
	for _, s := range tp.Statements {
		b.WriteString(string(s.Kind))
		if s.Blocked {
			b.WriteString(" blocked")
		}
		if s.Approval != "" {
			fmt.Fprintf(&b, " approval=%q", s.Approval)
		}
		if len(s.Codes) > 0 {
			fmt.Fprintf(&b, " codes=%s", strings.Join(s.Codes, ","))
		}
		fmt.Fprintf(&b, ": %s\n", s.SQL)
	}
	for _, u := range tp.Unmanaged {
		fmt.Fprintf(&b, "unmanaged %s\n", u.Object)
	}
	for _, d := range tp.Divergences {
		fmt.Fprintf(&b, "diverged %s\n", d)
	}
	if tp.Error != "" {
		fmt.Fprintf(&b, "error %s\n", tp.Error)
	}
	return strings.TrimSpace(b.String())
}

func statements(ddl string) []string {
	var out []string
	for _, st := range dbtest.File("x.sql", ddl).Statements {
		out = append(out, st.SQL)
	}
	return out
}

func TestDiffCases(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	p, err := planner.New(ctx, db)
	require.NoError(t, err)
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	files, err := filepath.Glob("testdata/diff/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			tc := parseCase(t, file)
			layer := dbtest.Layer(spec.LayerBasic, "basic", "basic/schema.sql", tc.desired)
			renames, err := spec.ParseRenames("basic/schema.sql", []byte(tc.desired))
			require.NoError(t, err)
			layer.Files[0].Renames = renames
			desired, err := c.ComposeLayers(ctx, []*spec.Layer{layer})
			require.NoError(t, err)

			prefix := dbtest.Name("strata_pt_")
			name := prefix + "_t"
			t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
			if tc.current != nil {
				_, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
				require.NoError(t, err)
				dbtest.Exec(t, db, name, statements(*tc.current)...)
			}
			tenant := &spec.Tenant{Name: "acme", Database: name, Server: "main", Status: spec.StatusActive,
				Approve: spec.Approve{Destructive: tc.approve}, Layers: []*spec.Layer{layer}}

			tp := p.Plan(ctx, tenant, desired)
			got := planLines(tp)
			if *update || !tc.hasWant {
				rewriteWant(t, file, got)
			} else {
				require.Equal(t, tc.want, got, "plan of %s (run with -update to rewrite)", file)
			}
			require.Equal(t, desired.Hash, tp.DesiredHash)
			require.Equal(t, name, tp.Database)

			// Idempotency: apply what is not blocked, plan again, and only
			// the blocked statements (and the unmanaged drift) remain.
			if tp.Action == planner.ActionCreate {
				_, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
				require.NoError(t, err)
			}
			var run []string
			var blocked []planner.Statement
			for _, s := range tp.Statements {
				if s.Blocked {
					blocked = append(blocked, s)
				} else {
					run = append(run, s.SQL)
				}
			}
			dbtest.Exec(t, db, name, run...)
			again := p.Plan(ctx, tenant, desired)
			require.Empty(t, again.Error)
			if len(tp.Divergences) > 0 {
				// What no statement changes stays, and is said again.
				require.Equal(t, tp.Divergences, again.Divergences)
				require.NotEqual(t, planner.ActionNone, again.Action)
			} else if len(blocked) == 0 && len(tp.Unmanaged) == 0 {
				require.Equal(t, planner.ActionNone, again.Action, "second plan:\n%s", planLines(again))
				require.Empty(t, again.Statements)
				// In sync means equal: the live tables are the desired ones
				// as MariaDB prints them.
				live, err := snapshot.Take(ctx, db, name)
				require.NoError(t, err)
				require.Equal(t, desired.Snapshot.DDL, live.DDL, "live schema after the plan ran")
			} else if len(blocked) == 0 {
				require.Equal(t, planner.ActionNone, again.Action, "second plan:\n%s", planLines(again))
				require.Empty(t, again.Statements)
			} else {
				require.Equal(t, planner.ActionBlocked, again.Action, "second plan:\n%s", planLines(again))
				require.Equal(t, blocked, again.Statements)
			}
			require.Equal(t, tp.Unmanaged, again.Unmanaged)
		})
	}
}

// rewriteWant replaces the want section of file with got.
func rewriteWant(t *testing.T, file, got string) {
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	s := string(data)
	if i := strings.Index(s, "-- want --\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, "\n") + "\n-- want --\n" + got + "\n"
	require.NoError(t, os.WriteFile(file, []byte(s), 0o644))
	t.Logf("wrote want section of %s:\n%s", file, got)
}
