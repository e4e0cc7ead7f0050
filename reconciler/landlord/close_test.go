package landlord

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The merged writes record what the separate ones did, and CloseRun is all
// or nothing.
func TestOpenRecordCloseRun(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	blocked := StatementRecord{Seq: 1, SQL: "ALTER TABLE a DROP COLUMN b", Kind: "destructive", Outcome: StatementBlocked, Error: "awaits approval"}
	first := StatementRecord{Seq: 2, SQL: "ALTER TABLE a ADD COLUMN c INT", Kind: "additive", Outcome: StatementRunning}
	id, err := s.OpenRun(ctx, "acme", "c1", 7, []StatementRecord{blocked, first})
	if err != nil || id == 0 {
		t.Fatalf("OpenRun: %d, %v", id, err)
	}
	runs, err := s.History(ctx, "acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Outcome != RunRunning || runs[0].PR != 7 || len(runs[0].Statements) != 2 ||
		runs[0].Statements[0].Outcome != StatementBlocked || runs[0].Statements[1].Outcome != StatementRunning {
		t.Fatalf("after OpenRun: %+v", runs)
	}

	first.Outcome = StatementApplied
	second := StatementRecord{Seq: 3, SQL: "CREATE INDEX i ON a (c)", Kind: "additive", Outcome: StatementRunning}
	if err := s.RecordStatements(ctx, id, &first, []StatementRecord{second}); err != nil {
		t.Fatal(err)
	}
	second.Outcome = StatementApplied
	if err := s.RecordStatements(ctx, id, &second, nil); err != nil {
		t.Fatal(err)
	}
	runs, _ = s.History(ctx, "acme", 0)
	if got := runs[0].Statements; len(got) != 3 || got[1].Outcome != StatementApplied || got[2].Outcome != StatementApplied {
		t.Fatalf("after RecordStatements: %+v", got)
	}

	// A tenant record the landlord refuses (database name longer than its
	// column) fails the whole close: no snapshot, the run still open.
	sn := &Snapshot{Tenant: "acme", RunID: id, Commit: "c1", Hash: "h1", DDL: "CREATE TABLE a (c int)", Fingerprint: "f1"}
	bad := Tenant{Name: "acme", Database: strings.Repeat("x", 65), Server: "default", Status: StatusActive}
	err = s.CloseRun(ctx, Closing{Tenant: bad, Snapshot: sn, Run: id, Outcome: RunConverged})
	if err == nil || !strings.Contains(err.Error(), "acme") {
		t.Fatalf("CloseRun with a bad tenant record: %v", err)
	}
	if _, err := s.LatestSnapshot(ctx, "acme"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a failed close left a snapshot: %v", err)
	}
	if m, _ := s.LastRun(ctx, "acme"); m.Outcome != RunRunning {
		t.Fatalf("a failed close closed the run: %+v", m)
	}
	if _, err := s.Tenant(ctx, "acme"); !IsNotFound(err) {
		t.Fatalf("a failed close left a tenant record: %v", err)
	}

	good := Tenant{Name: "acme", Database: "acme", Server: "default", Status: StatusActive, LiveHash: "h1"}
	if err := s.CloseRun(ctx, Closing{Tenant: good, Snapshot: sn, ResolveDrift: true, Run: id, Outcome: RunConverged}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestSnapshot(ctx, "acme"); err != nil || got.RunID != id || got.Fingerprint != "f1" {
		t.Fatalf("snapshot after close: %+v, %v", got, err)
	}
	if m, _ := s.LastRun(ctx, "acme"); m.Outcome != RunConverged {
		t.Fatalf("run after close: %+v", m)
	}
	if rec, err := s.Tenant(ctx, "acme"); err != nil || rec.Status != StatusActive || rec.LiveHash != "h1" {
		t.Fatalf("tenant after close: %+v, %v", rec, err)
	}
}
