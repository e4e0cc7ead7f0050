package landlord

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
)

// TestBatchStandsInForIDs checks that a run and the records that name it
// go in one batch: each record names its own run, the caller gets the
// real ids, and a batch the server refuses leaves them as they were.
func TestBatchStandsInForIDs(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	var runA, runB int64
	if err := s.Batch(ctx, func(s *Store) error {
		var err error
		if runA, err = s.StartRun(ctx, "a", "c1", 0); err != nil {
			return err
		}
		if runB, err = s.StartRunIn(ctx, "b", "c1", 7, 2, "wave"); err != nil {
			return err
		}
		if err := s.AddStatement(ctx, runA, StatementRecord{Seq: 1, SQL: "ALTER TABLE a ADD x int -- '?'", Kind: "alter", Outcome: StatementRunning}); err != nil {
			return err
		}
		if err := s.AddStatement(ctx, runB, StatementRecord{Seq: 1, SQL: "ALTER TABLE b ADD y int", Kind: "alter", Outcome: StatementRunning}); err != nil {
			return err
		}
		// The id among other arguments: in the middle, and last.
		if err := s.FinishStatements(ctx, runA, []StatementRecord{{Seq: 1, Outcome: StatementApplied}, {Seq: 2, Outcome: StatementSkipped}}); err != nil {
			return err
		}
		if err := s.FinishRun(ctx, runA, RunConverged, ""); err != nil {
			return err
		}
		return s.RecordSeed(ctx, SeedRun{Tenant: "b", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc", Statements: 1, RunID: runB})
	}, &runA, &runB); err != nil {
		t.Fatal(err)
	}
	if s.multi.Stats().OpenConnections != 1 {
		t.Fatalf("the batch ran in a transaction of its own (%d batch connections), not in one query", s.multi.Stats().OpenConnections)
	}
	if runA <= 0 || runB <= runA || runB > 1<<40 {
		t.Fatalf("ids after the batch: %d and %d, want the runs' ids", runA, runB)
	}
	for tenant, want := range map[string]struct {
		run              int64
		sql, run1, stmt1 string
	}{"a": {runA, "ALTER TABLE a ADD x int -- '?'", RunConverged, StatementApplied}, "b": {runB, "ALTER TABLE b ADD y int", RunRunning, StatementRunning}} {
		runs, err := s.History(ctx, tenant, 5)
		if err != nil || len(runs) != 1 || runs[0].ID != want.run || runs[0].Outcome != want.run1 ||
			len(runs[0].Statements) != 1 || runs[0].Statements[0].SQL != want.sql || runs[0].Statements[0].Outcome != want.stmt1 {
			t.Fatalf("history of %s: %+v, %v; want run %d %s with %q %s", tenant, runs, err, want.run, want.run1, want.sql, want.stmt1)
		}
	}
	seeds, err := s.SeedRuns(ctx, "b")
	if err != nil || seeds["basic/seed/1.sql"].RunID != runB {
		t.Fatalf("seed of b: %+v, %v; want run %d", seeds, err, runB)
	}

	// Refused by the server (the seed is on record already): nothing is
	// written, and the id is what it was.
	runC := int64(0)
	err = s.Batch(ctx, func(s *Store) error {
		var err error
		if runC, err = s.StartRun(ctx, "c", "c2", 0); err != nil {
			return err
		}
		return s.RecordSeed(ctx, SeedRun{Tenant: "b", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc", Statements: 1, RunID: runC})
	}, &runC)
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || runC != 0 {
		t.Fatalf("refused batch: id %d, %v; want 0 and the server's error", runC, err)
	}
	// A stand-in kept elsewhere than ids, or passed as an int, would reach
	// the landlord as a number: such a batch runs in a transaction.
	open := s.multi.Stats().OpenConnections // a batch sent leaves one more, idle
	var kept, given, asInt int64
	for _, c := range []struct {
		name string
		fn   func(s *Store) error
		ids  []*int64
	}{
		{"kept elsewhere", func(s *Store) error {
			var err error
			if kept, err = s.StartRun(ctx, "d", "c3", 0); err != nil {
				return err
			}
			if given, err = s.StartRun(ctx, "d", "c3", 0); err != nil {
				return err
			}
			return s.FinishRun(ctx, given, RunConverged, "")
		}, []*int64{&given}},
		{"passed as an int", func(s *Store) error {
			var err error
			if asInt, err = s.StartRun(ctx, "d", "c4", 0); err != nil {
				return err
			}
			_, err = s.q.ExecContext(ctx, "UPDATE "+s.t("apply_runs")+" SET pr_number = ? WHERE id = ?", 1, int(asInt))
			return err
		}, []*int64{&asInt}},
	} {
		if err := s.Batch(ctx, c.fn, c.ids...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n := s.multi.Stats().OpenConnections; n != open {
			t.Fatalf("%s: a batch that must run in a transaction was sent as one query (%d batch connections, %d before)", c.name, n, open)
		}
	}
	runs, err := s.History(ctx, "d", 5)
	if err != nil || len(runs) != 3 || runs[2].ID != kept || runs[1].ID != given || runs[1].Outcome != RunConverged || runs[0].ID != asInt || runs[0].PR != 1 {
		t.Fatalf("history of d: %+v, %v; want runs %d, %d (converged) and %d (PR 1)", runs, err, kept, given, asInt)
	}
}

// TestBatchTooLarge checks that a batch beyond one packet's bound is
// written whole, in a transaction.
func TestBatchTooLarge(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	big := "SELECT '" + strings.Repeat("x", maxBatch) + "'"
	var run int64
	if err := s.Batch(ctx, func(s *Store) error {
		if run == 0 { // as the reconciler starts a run: once
			var err error
			if run, err = s.StartRun(ctx, "a", "c1", 0); err != nil {
				return err
			}
		}
		return s.AddStatement(ctx, run, StatementRecord{Seq: 1, SQL: big, Kind: "seed", Outcome: StatementApplied})
	}, &run); err != nil {
		t.Fatal(err)
	}
	if n := s.multi.Stats().OpenConnections; n != 0 {
		t.Fatalf("a batch of %d bytes was sent as one query (%d batch connections)", len(big), n)
	}
	runs, err := s.History(ctx, "a", 1)
	if err != nil || len(runs) != 1 || runs[0].ID != run || len(runs[0].Statements) != 1 || runs[0].Statements[0].SQL != big {
		t.Fatalf("history after the large batch: %d runs, %v; want run %d with its %d-byte statement", len(runs), err, run, len(big))
	}
}

// TestBatchInTxGivesIDsBack checks that a Batch run as a transaction (a
// landlord whose arguments are not interpolated) that fails leaves the
// ids as they were: a run rolled back is not on record.
func TestBatchInTxGivesIDsBack(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	plain, err := Open(dbtest.DSN(t), s.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	seed := SeedRun{Tenant: "a", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc", Statements: 1}
	if err := plain.RecordSeed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var run int64
	err = plain.Batch(ctx, func(s *Store) error {
		if run == 0 {
			var err error
			if run, err = s.StartRun(ctx, "a", "c1", 0); err != nil {
				return err
			}
		}
		return s.RecordSeed(ctx, seed) // on record already: refused
	}, &run)
	if err == nil || run != 0 {
		t.Fatalf("failed batch in a transaction: id %d, %v; want 0 and an error", run, err)
	}
	if runs, err := s.History(ctx, "a", 5); err != nil || len(runs) != 0 {
		t.Fatalf("history after the rolled-back batch: %+v, %v", runs, err)
	}
}

// TestBatchConnectionLost checks that a batch whose connection is cut
// after the server ran it is reported as ErrOutcomeUnknown: the records
// are written, though the client cannot know it.
func TestBatchConnectionLost(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	cfg := dbtest.Config(t)
	cfg.Net, cfg.Addr = "tcp", dbtest.CutAfter(t, cfg.Net, cfg.Addr, []byte("START TRANSACTION; "))
	cfg.InterpolateParams = true
	cut, err := Open(cfg.FormatDSN(), s.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer cut.Close()
	var run int64
	err = cut.Batch(ctx, func(s *Store) error {
		var err error
		if run, err = s.StartRun(ctx, "a", "c1", 0); err != nil {
			return err
		}
		return s.PutTenant(ctx, Tenant{Name: "a", Status: StatusActive, Database: "t_a", Server: "main"})
	}, &run)
	if !errors.Is(err, ErrOutcomeUnknown) || run != 0 {
		t.Fatalf("batch cut after it ran: id %d, %v; want 0 and ErrOutcomeUnknown", run, err)
	}
	runs, err := s.History(ctx, "a", 5)
	if err != nil || len(runs) != 1 {
		t.Fatalf("history after the cut batch: %+v, %v; want its run, committed", runs, err)
	}
	if rec, err := s.Tenant(ctx, "a"); err != nil || rec.Status != StatusActive {
		t.Fatalf("tenant after the cut batch: %+v, %v", rec, err)
	}
}

// TestPlaceholders checks which question marks of a query are its
// placeholders.
func TestPlaceholders(t *testing.T) {
	for query, want := range map[string][]int{
		"UPDATE t SET a = ? WHERE b = ?":                 {17, 29},
		"INSERT INTO `d?`.`t` VALUES (?, '?', \"?\", ?)": {29, 42},
		`SELECT 'it''s ?', 'a\'?', ?`:                    {26},
		"SELECT ? -- a comment?":                         nil,
		"SELECT ? # ?":                                   nil,
		"SELECT /* ? */ ?":                               nil,
		"SELECT 1":                                       nil,
	} {
		if got := placeholders(query); !reflect.DeepEqual(got, want) {
			t.Errorf("placeholders(%q) = %v, want %v", query, got, want)
		}
	}
}
