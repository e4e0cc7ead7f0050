package landlord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLockName(t *testing.T) {
	long := strings.Repeat("x", 64)
	tests := []struct {
		kind, name string
		want       string // "" when hashed
	}{
		{"tenant", "tenant_acme", "strata:tenant:tenant_acme"},
		{"landlord", "strata", "strata:landlord:strata"},
		{"tenant", long[:50], "strata:tenant:" + long[:50]},
		{"tenant", long, ""},
		{"landlord", long, ""},
	}
	for _, tt := range tests {
		got := LockName(tt.kind, tt.name)
		if len(got) > 64 || !strings.HasPrefix(got, "strata:"+tt.kind+":") || (tt.want != "" && got != tt.want) {
			t.Errorf("LockName(%q, %q) = %q (%d chars), want %q within 64 characters", tt.kind, tt.name, got, len(got), tt.want)
		}
	}
	if LockName("tenant", long) == LockName("tenant", long[:63]+"y") {
		t.Error("long names collide")
	}
}

// TestCloseRunning: only the tenant's running runs are closed, with the
// outcome and message given; finished runs and other tenants keep theirs.
func TestCloseRunning(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	start := func(tenant string) int64 {
		t.Helper()
		id, err := s.StartRun(ctx, tenant, "c1", 0)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	done := start("a")
	if err := s.FinishRun(ctx, done, RunConverged, ""); err != nil {
		t.Fatal(err)
	}
	start("a")
	killed := start("a")
	other := start("b")
	for _, run := range []int64{killed, other} {
		for i, o := range []string{StatementApplied, StatementRunning} {
			if err := s.AddStatement(ctx, run, StatementRecord{Seq: i + 1, SQL: "ALTER TABLE x ADD c int", Outcome: o}); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := s.CloseRunning(ctx, "a", RunInterrupted, "strata stopped")
	if err != nil || n != 2 {
		t.Fatalf("CloseRunning = %d, %v; want the 2 running runs of a", n, err)
	}
	runs, err := s.History(ctx, "a", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Outcome+":"+r.Error)
		if r.FinishedAt.IsZero() {
			t.Errorf("run %d has no finished_at", r.ID)
		}
	}
	if strings.Join(got, ",") != "interrupted:strata stopped,interrupted:strata stopped,converged:" {
		t.Fatalf("runs of a = %v", got)
	}
	if st := runs[0].Statements; len(st) != 2 || st[0].Outcome != StatementApplied || st[1].Outcome != StatementInterrupted {
		t.Fatalf("statements of the killed run = %+v, want applied then interrupted", st)
	}
	if n, err := s.CloseRunning(ctx, "a", RunInterrupted, "again"); err != nil || n != 0 {
		t.Fatalf("second CloseRunning = %d, %v; want 0", n, err)
	}
	b, err := s.History(ctx, "b", 10)
	if err != nil || len(b) != 1 || b[0].ID != other || b[0].Outcome != RunRunning || b[0].Statements[1].Outcome != StatementRunning {
		t.Fatalf("runs of b = %+v, %v; want its run and statement still running", b, err)
	}
}

// TestOwnSince: the statements of runs after the snapshot that were applied,
// or left running by a strata that died, are strata's own; failed, skipped
// and blocked ones, those finished as failed, and runs before the snapshot
// are not.
func TestOwnSince(t *testing.T) {
	tests := []struct {
		name       string
		outcome    string
		statements []string // outcomes of its statements, as first recorded
		failSecond bool     // the second statement, recorded running, then failed
		before     bool     // the run started before the snapshot
		want       []int    // seqs of its statements OwnSince returns
	}{
		{"killed while running", RunRunning, []string{StatementApplied, StatementRunning}, false, false, []int{1, 2}},
		{"interrupted", RunInterrupted, []string{StatementApplied}, false, false, []int{1}},
		{"closed after a kill", RunInterrupted, []string{StatementApplied, StatementInterrupted}, false, false, []int{1, 2}},
		{"failed half way", RunFailed, []string{StatementApplied, StatementRunning, StatementSkipped}, true, false, []int{1}},
		{"failed at the first statement", RunFailed, []string{StatementFailed, StatementSkipped}, false, false, nil},
		{"blocked", RunBlocked, []string{StatementApplied, StatementBlocked}, false, false, []int{1}},
		{"converged", RunConverged, []string{StatementApplied}, false, false, []int{1}},
		{"before the snapshot", RunFailed, []string{StatementApplied, StatementFailed}, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newStore(t)
			ctx := context.Background()
			snap := func() int64 {
				t.Helper()
				if err := s.SaveSnapshot(ctx, Snapshot{Tenant: "a", Hash: "h", DDL: "CREATE TABLE x"}); err != nil {
					t.Fatal(err)
				}
				var id int64
				if err := s.db.QueryRowContext(ctx, "SELECT MAX(id) FROM "+s.t("snapshots")).Scan(&id); err != nil {
					t.Fatal(err)
				}
				time.Sleep(2 * time.Millisecond) // runs after it start later
				return id
			}
			var snapshot int64
			if !tt.before {
				snapshot = snap()
			}
			sql := func(seq int) string { return fmt.Sprintf("ALTER TABLE `x` ADD COLUMN `c%d` int", seq) }
			// Two objects per statement, as the planner names them.
			objects := func(seq int) []string {
				return []string{fmt.Sprintf("column x.c%d", seq), fmt.Sprintf("index x.i%d", seq)}
			}
			for _, tenant := range []string{"other", "a"} {
				id, err := s.StartRun(ctx, tenant, "c2", 0)
				if err != nil {
					t.Fatal(err)
				}
				for i, o := range tt.statements {
					if err := s.AddStatement(ctx, id, StatementRecord{Seq: i + 1, SQL: sql(i + 1), Outcome: o, Objects: objects(i + 1)}); err != nil {
						t.Fatal(err)
					}
				}
				if tt.failSecond {
					if err := s.FinishStatement(ctx, id, StatementRecord{Seq: 2, Outcome: StatementFailed, Error: "duplicate column"}); err != nil {
						t.Fatal(err)
					}
				}
				if tt.outcome != RunRunning {
					if err := s.FinishRun(ctx, id, tt.outcome, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tt.before {
				time.Sleep(2 * time.Millisecond)
				snapshot = snap()
			}
			got, err := s.OwnSince(ctx, "a", snapshot)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, seq := range tt.want {
				want = append(want, objects(seq)...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("OwnSince = %q, want %q", got, want)
			}
		})
	}
}

// TestRunStateReadsNoHistory: RunState and TenantState (which every apply
// runs under its lock) read a bounded number of rows however many runs the
// tenant has had (counted with the session's Handler_read_* status on the
// Store's only connection). Without apply_runs_running RunState read every
// run; with that index on (tenant, outcome) instead, the newest run was
// found by sorting them all.
func TestRunStateReadsNoHistory(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	s.db.SetMaxOpenConns(1) // RunState and the status read share one session
	reads := func() int64 {
		t.Helper()
		var total int64
		rows, err := s.db.QueryContext(ctx, "SHOW SESSION STATUS LIKE 'Handler\\_read\\_%'")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				t.Fatal(err)
			}
			total += n
		}
		return total
	}
	for _, history := range []int{10, 300} {
		tenant := fmt.Sprintf("t%d", history)
		for range history {
			id, err := s.StartRun(ctx, tenant, "c1", 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishRun(ctx, id, RunConverged, ""); err != nil {
				t.Fatal(err)
			}
		}
		running, err := s.StartRun(ctx, tenant, "c2", 0)
		if err != nil {
			t.Fatal(err)
		}
		before := reads()
		newest, isRunning, err := s.RunState(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		read := reads() - before
		if newest.ID != running || !isRunning {
			t.Fatalf("RunState = %d running %v, want %d running", newest.ID, isRunning, running)
		}
		t.Logf("history %d: %d rows", history, read)
		// The newest run and the one running run: 2-4 with the status query's own.
		if read > 5 {
			t.Errorf("RunState read %d rows for a tenant with %d runs; want a bounded number", read, history+1)
		}
		// TenantState, what an apply reads: the same, and the record.
		rec, _, _, err := s.TenantState(ctx, tenant)
		if err != nil || rec != nil {
			t.Fatalf("TenantState before the tenant's record: %+v, %v; want none", rec, err)
		}
		if err := s.PutTenant(ctx, Tenant{Name: tenant, Status: StatusFailed, Database: "d_" + tenant, Server: "main", LastError: "boom"}); err != nil {
			t.Fatal(err)
		}
		before = reads()
		rec, newestToo, isRunningToo, err := s.TenantState(ctx, tenant)
		read = reads() - before
		if err != nil || rec == nil || rec.Name != tenant || rec.Status != StatusFailed || rec.LastError != "boom" || newestToo != newest || !isRunningToo {
			t.Fatalf("TenantState = %+v, %+v, %v, %v; want the record, run %d running", rec, newestToo, isRunningToo, err, running)
		}
		if read > 7 {
			t.Errorf("TenantState read %d rows for a tenant with %d runs; want a bounded number", read, history+1)
		}
		if err := s.FinishRun(ctx, running, RunConverged, ""); err != nil {
			t.Fatal(err)
		}
		if _, newest, isRunning, err := s.TenantState(ctx, tenant); err != nil || newest != (RunMark{ID: running, Outcome: RunConverged}) || isRunning {
			t.Fatalf("TenantState once no run is running: %+v, %v, %v; want run %d converged, none running", newest, isRunning, err, running)
		}
	}
	if rec, newest, isRunning, err := s.TenantState(ctx, "nobody"); err != nil || rec != nil || newest != (RunMark{}) || isRunning {
		t.Fatalf("TenantState of a tenant never seen: %+v, %+v, %v, %v", rec, newest, isRunning, err)
	}
}
