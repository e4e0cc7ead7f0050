package reconciler

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stratadb/strata/spec"
)

// TestEvents: the listener hears a tenant's apply as it happens, in order:
// started, each statement started and applied (heard once its record is
// written), each seed run, finished (after the landlord recorded it). A
// database the apply created has its statements recorded ahead
// (recordAhead), so their outcomes are written, and heard, together after
// the last; on a database that exists each outcome is written with the
// next statement's record, before that statement starts.
func TestEvents(t *testing.T) {
	f := newFixture(t)
	seeds := map[string]string{"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('a', 'b');\n"}
	f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, seeds))
	var (
		mu  sync.Mutex
		got []string
	)
	listen := func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case TenantStarted:
			got = append(got, "started "+e.Tenant)
		case StatementStarted:
			got = append(got, fmt.Sprintf("statement %d started", e.Seq))
		case StatementApplied:
			got = append(got, fmt.Sprintf("statement %d %s", e.Record.Seq, e.Record.Outcome))
		case SeedRun:
			got = append(got, "seed "+e.Path)
		case TenantFinished:
			rec, err := f.store().Tenant(f.ctx, e.Result.Name)
			got = append(got, fmt.Sprintf("finished %s %s, recorded %v", e.Result.Name, e.Result.Outcome, err == nil && rec.Status == "active"))
		}
	}
	res := f.apply(Options{Listener: listen})
	if res.ExitCode() != 0 {
		t.Fatalf("apply: %+v", res.Tenants)
	}
	want := []string{"started acme", "statement 1 started", "statement 2 started", "statement 1 applied", "statement 2 applied",
		"seed basic/seed/01.sql", "finished acme converged, recorded true"}
	if !slices.Equal(got, want) {
		t.Errorf("provisioning: events\n  %q\nwant\n  %q", got, want)
	}

	got = nil
	f.tenant("acme", layer(spec.LayerBasic, "basic", merge(basicSQL, nickSQL, map[string]string{"basic/04_note.sql": "ALTER TABLE settings ADD COLUMN note VARCHAR(10) NULL;\n"}), seeds))
	if res := f.apply(Options{Listener: listen}); res.ExitCode() != 0 {
		t.Fatalf("rollout: %+v", res.Tenants)
	}
	want = []string{"started acme", "statement 1 started", "statement 1 applied", "statement 2 started", "statement 2 applied", "finished acme converged, recorded true"}
	if !slices.Equal(got, want) {
		t.Errorf("rollout: events\n  %q\nwant\n  %q", got, want)
	}
}
