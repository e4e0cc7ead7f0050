package reconciler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratadb/strata/spec"
)

// TestDecommissionCancelled: strata asked to stop (ctx cancelled, as on
// SIGTERM) while DROP DATABASE waits for a metadata lock lets it finish,
// and every lifecycle statement that ran is on record with its outcome,
// each announced by StatementStarted.
func TestDecommissionCancelled(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("gone", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})

	// An open transaction holds a metadata lock on members: DROP DATABASE waits.
	conn, err := f.db.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(f.ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(f.ctx, "SELECT * FROM `"+tn.Database+"`.members"); err != nil {
		t.Fatal(err)
	}

	tn.Status = spec.StatusDecommissioned
	tn.OwnApprove.Destructive = []string{"DROP DATABASE"}
	tn.Approve.Destructive = tn.OwnApprove.Destructive
	var (
		mu      sync.Mutex
		started []string
	)
	r := f.reconciler(Options{Listener: func(ev Event) {
		if s, ok := ev.(StatementStarted); ok {
			mu.Lock()
			started = append(started, s.SQL)
			mu.Unlock()
		}
	}})
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	done := make(chan *Result, 1)
	go func() {
		res, err := r.Apply(ctx, nil)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		done <- res
	}()
	waitFor(t, "DROP DATABASE waiting for the metadata lock", func() bool {
		return f.count("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'DROP DATABASE%' AND state LIKE '%metadata lock%'") == 1
	})
	cancel()
	time.Sleep(200 * time.Millisecond) // the cancellation reaches the executor first
	if _, err := conn.ExecContext(f.ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	res := <-done
	tr := f.result(res, "gone")
	if tr.Outcome != OutcomeInterrupted && tr.Outcome != OutcomeDecommissioned {
		t.Fatalf("outcome %s (%s), want interrupted or decommissioned", tr.Outcome, tr.Error)
	}
	dropped := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database) == 0
	if !dropped {
		t.Error("DROP DATABASE was abandoned when strata was asked to stop; it must run to its end")
	}
	runs, err := f.store().History(f.ctx, "gone", 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("history: %v, %v", runs, err)
	}
	var got []string
	for _, st := range runs[0].Statements {
		got = append(got, string(st.Outcome)+" "+st.SQL)
	}
	want := []string{
		"applied DROP USER IF EXISTS '" + tn.Database + "_app'@'%'",
		"applied DROP USER IF EXISTS '" + tn.Database + "_mig'@'%'",
		"applied DROP DATABASE IF EXISTS `" + tn.Database + "`",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recorded statements:\n%s\nwant every statement that ran, with its outcome:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(started) != 3 {
		t.Errorf("StatementStarted for %d statements (%q), want 3", len(started), started)
	}
}

// waitFor polls cond until it holds, failing t after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
