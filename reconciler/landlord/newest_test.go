package landlord

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestNewestOfNamedTenants: LastRuns and Baselines read every tenant's
// newest run and snapshot, or only the named tenants' (a replica's shard).
func TestNewestOfNamedTenants(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	newest := map[string]int64{}
	for _, tenant := range []string{"a", "b", "c", "a", "b", "c"} {
		id, err := s.StartRun(ctx, tenant, "c1", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSnapshot(ctx, Snapshot{Tenant: tenant, RunID: id, Hash: fmt.Sprint("h", id), DDL: "x"}); err != nil {
			t.Fatal(err)
		}
		newest[tenant] = id
	}
	for _, names := range [][]string{nil, {"a", "c"}, {}} {
		want := []string{"a", "b", "c"}
		if names != nil {
			want = names
		}
		runs, err := s.LastRuns(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		baselines, err := s.Baselines(ctx, names)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != len(want) || len(baselines) != len(want) {
			t.Errorf("names %q: runs %v, baselines %v; want %q only", names, runs, baselines, want)
		}
		for _, tenant := range want {
			if runs[tenant].ID != newest[tenant] || baselines[tenant].Hash != fmt.Sprint("h", newest[tenant]) {
				t.Errorf("names %q: %s newest run %+v, baseline %+v; want run %d", names, tenant, runs[tenant], baselines[tenant], newest[tenant])
			}
		}
	}
}

// TestByNames: names are read a few thousand to a query, every one once; nil
// is one read with no condition.
func TestByNames(t *testing.T) {
	names := make([]string, 2*namesPerQuery+1)
	for i := range names {
		names[i] = fmt.Sprint("t", i)
	}
	var got []any
	calls := 0
	if err := byNames(names, func(where string, args []any) error {
		calls++
		if strings.Count(where, "?") != len(args) || !strings.HasPrefix(where, " WHERE tenant IN (") {
			t.Errorf("where %.40q... with %d args", where, len(args))
		}
		got = append(got, args...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls != 3 || len(got) != len(names) || got[0] != "t0" || got[len(got)-1] != names[len(names)-1] {
		t.Errorf("%d reads of %d names, want 3 of %d", calls, len(got), len(names))
	}
	calls = 0
	if err := byNames(nil, func(where string, args []any) error {
		calls++
		if where != "" || args != nil {
			t.Errorf("nil names: where %q args %v", where, args)
		}
		return nil
	}); err != nil || calls != 1 {
		t.Errorf("nil names: %d reads, %v", calls, err)
	}
}
