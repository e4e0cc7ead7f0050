package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
)

// newStore migrates a landlord in a database unique to the test.
func newStore(t *testing.T) (*Store, *sql.DB, *layers.Composer) {
	t.Helper()
	db := dbtest.Open(t)
	name := dbtest.Name("strata_ll_")
	t.Cleanup(func() { dbtest.DropDatabases(t, db, name) })
	// As the reconciler opens it: arguments interpolated (Batch needs it).
	cfg := dbtest.Config(t)
	cfg.InterpolateParams = true
	s, err := Open(cfg.FormatDSN(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci")
	if err := s.Migrate(context.Background(), c, "utf8mb4", "utf8mb4_unicode_ci", 0); err != nil {
		t.Fatal(err)
	}
	return s, db, c
}

func TestMigrate(t *testing.T) {
	s, db, c := newStore(t)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tables := count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", s.Database())
	want := []string{"tenants", "credentials", "apply_runs", "apply_statements", "snapshots", "seed_runs", "drift_reports", "drift_detections", "notifications", "rollouts", "archives", "holds"}
	if tables != len(want) {
		t.Fatalf("%d landlord tables, want %d (%v)", tables, len(want), want)
	}
	// Idempotent.
	if err := s.Migrate(ctx, c, "utf8mb4", "utf8mb4_unicode_ci", 0); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	// A column someone added by hand would have to be dropped: refused.
	exec("ALTER TABLE `" + s.Database() + "`.tenants ADD COLUMN extra INT NULL")
	err := s.Migrate(ctx, c, "utf8mb4", "utf8mb4_unicode_ci", 0)
	if err == nil || !strings.Contains(err.Error(), "refusing a destructive change") || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("Migrate over a destructive difference: %v", err)
	}
	if count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND column_name = 'extra'", s.Database()) != 1 {
		t.Fatal("the refused migration dropped the column anyway")
	}
	// A missing table is added (additive).
	exec("ALTER TABLE `" + s.Database() + "`.tenants DROP COLUMN extra")
	exec("DROP TABLE `" + s.Database() + "`.drift_reports")
	if err := s.Migrate(ctx, c, "utf8mb4", "utf8mb4_unicode_ci", 0); err != nil {
		t.Fatalf("Migrate adding a table: %v", err)
	}
	if count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'drift_reports'", s.Database()) != 1 {
		t.Fatal("drift_reports not recreated")
	}
}

func TestTenantsAndCounts(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	recs := []Tenant{
		{Name: "a", Database: "t_a", Server: "main", Status: StatusActive, Modules: []string{"events", "dues"}, LastAppliedCommit: "c1"},
		{Name: "b", Database: "t_b", Server: "main", Status: StatusFailed, LastError: "x.sql:3: boom"},
		{Name: "c", Database: "t_c", Server: "eu", Status: StatusActive},
	}
	for _, r := range recs {
		if err := s.PutTenant(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Replace keeps created_at and updates fields.
	first, err := s.Tenant(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	recs[2].Status = StatusSuspended
	if err := s.PutTenant(ctx, recs[2]); err != nil {
		t.Fatal(err)
	}
	c, err := s.Tenant(ctx, "c")
	if err != nil || c.Status != StatusSuspended || !c.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("c = %+v, %v", c, err)
	}
	a, err := s.Tenant(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Modules, ",") != "events,dues" || a.LastAppliedCommit != "c1" || a.Server != "main" {
		t.Fatalf("a = %+v", a)
	}
	if _, err := s.Tenant(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Tenant(zz) err = %v", err)
	}
	counts, err := s.Counts(ctx)
	if err != nil || counts[StatusActive] != 1 || counts[StatusFailed] != 1 || counts[StatusSuspended] != 1 {
		t.Fatalf("counts = %v, %v", counts, err)
	}
	if err := s.PutTenant(ctx, Tenant{Name: "d", Database: "t_d", Server: "main", Status: StatusActive, LastError: "blocked: DROP COLUMN members.fax awaits approval"}); err != nil {
		t.Fatal(err)
	}
	att, err := s.Attention(ctx, 0)
	if err != nil || len(att) != 2 || att[0].Name != "b" || att[1].Name != "d" {
		t.Fatalf("Attention = %+v, %v; want b (failed) and d (blocked)", att, err)
	}
	tests := []struct {
		statuses []Status
		limit    int
		want     string
	}{
		{nil, 0, "a,b,c,d"},
		{[]Status{StatusFailed, StatusDrifted}, 0, "b"},
		{nil, 2, "a,b"},
	}
	for _, tt := range tests {
		ts, err := s.Tenants(ctx, tt.limit, tt.statuses...)
		var names []string
		for _, x := range ts {
			names = append(names, x.Name)
		}
		if err != nil || strings.Join(names, ",") != tt.want {
			t.Errorf("Tenants(%d, %v) = %v, %v; want %s", tt.limit, tt.statuses, names, err, tt.want)
		}
	}
}

func TestRunsSeedsCredentials(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	id, err := s.StartRun(ctx, "a", "c1", 42)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []StatementRecord{
		{Seq: 1, SQL: "CREATE TABLE x (id INT)", Kind: "additive", Outcome: StatementApplied},
		{Seq: 2, SQL: "ALTER TABLE x ADD UNIQUE (id)", Outcome: StatementFailed, Error: "dup"},
	} {
		if err := s.AddStatement(ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishRun(ctx, id, RunFailed, "statement 2 failed"); err != nil {
		t.Fatal(err)
	}
	runs, err := s.History(ctx, "a", 5)
	if err != nil || len(runs) != 1 {
		t.Fatalf("history = %+v, %v", runs, err)
	}
	r := runs[0]
	if r.PR != 42 || r.Commit != "c1" || r.Outcome != RunFailed || r.FinishedAt.IsZero() || len(r.Statements) != 2 || r.Statements[1].Error != "dup" {
		t.Fatalf("run = %+v", r)
	}

	if err := s.RecordSeed(ctx, SeedRun{Tenant: "a", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc", Statements: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSeed(ctx, SeedRun{Tenant: "a", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc"}); err == nil {
		t.Fatal("a seed was recorded twice")
	}
	seeds, err := s.SeedRuns(ctx, "a")
	if err != nil || seeds["basic/seed/1.sql"].Checksum != "abc" || len(seeds) != 1 {
		t.Fatalf("seeds = %+v, %v", seeds, err)
	}

	if err := s.PutCredential(ctx, Credential{Tenant: "a", Role: RoleApp, User: "t_a_app", Sealed: "v1:xx"}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Credential(ctx, "a", RoleApp); err != nil || c.Sealed != "v1:xx" || c.User != "t_a_app" {
		t.Fatalf("credential = %+v, %v", c, err)
	}
	if err := s.PutCredential(ctx, Credential{Tenant: "a", Role: RoleMigrator, User: "t_a_mig", Sealed: "v1:yy"}); err != nil {
		t.Fatal(err)
	}
	// DeleteCredential forgets one role only.
	if err := s.DeleteCredential(ctx, "a", RoleApp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Credential(ctx, "a", RoleApp); !IsNotFound(err) {
		t.Fatalf("app credential after DeleteCredential: %v", err)
	}
	if c, err := s.Credential(ctx, "a", RoleMigrator); err != nil || c.Sealed != "v1:yy" {
		t.Fatalf("migrator credential after deleting the app's = %+v, %v", c, err)
	}
	if err := s.DeleteCredentials(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Credential(ctx, "a", RoleMigrator); !IsNotFound(err) {
		t.Fatalf("after DeleteCredentials: %v", err)
	}
	if err := s.SaveSnapshot(ctx, Snapshot{Tenant: "a", RunID: id, Hash: "h", Tables: 1, DDL: "CREATE TABLE x"}); err != nil {
		t.Fatal(err)
	}
	if sn, err := s.LatestSnapshot(ctx, "a"); err != nil || sn.Hash != "h" || sn.RunID != id || sn.DDL != "CREATE TABLE x" {
		t.Fatalf("snapshot = %+v, %v", sn, err)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	_, err := Open("root:s3cret@tcp(nowhere", "strata")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v: want an error that does not quote the DSN", err)
	}
}

// TestMigrateGivesUpOnMetadataLock: a transaction holds a landlord table
// open while a migration must alter it. The ALTER gives up after lockWait
// (it waited a day, every landlord write queued behind it); once the
// transaction ends, the migration succeeds.
func TestMigrateGivesUpOnMetadataLock(t *testing.T) {
	const wait = time.Second
	s, db, c := newStore(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "ALTER TABLE `"+s.Database()+"`.tenants DROP COLUMN template_version"); err != nil {
		t.Fatal(err)
	}
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, q := range []string{"BEGIN", "SELECT COUNT(*) FROM `" + s.Database() + "`.tenants"} {
		if _, err := holder.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer holder.ExecContext(ctx, "ROLLBACK")

	mctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	began := time.Now()
	err = s.Migrate(mctx, c, "utf8mb4", "utf8mb4_unicode_ci", wait)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1205 {
		t.Fatalf("Migrate under a held table after %s: %v; want lock wait timeout (1205)", time.Since(began).Round(time.Millisecond), err)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx, c, "utf8mb4", "utf8mb4_unicode_ci", wait); err != nil {
		t.Fatalf("Migrate after the transaction ended: %v", err)
	}
}

// TestFinishStatements checks that the outcomes written in one UPDATE land
// on their own statements, of their own run, and leave the others running.
func TestFinishStatements(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	var runs [2]int64
	for i := range runs {
		id, err := s.StartRun(ctx, "a", "c1", 0)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = id
		var sts []StatementRecord
		for seq := 1; seq <= 3; seq++ {
			sts = append(sts, StatementRecord{Seq: seq, SQL: fmt.Sprintf("CREATE TABLE t%d (id INT)", seq), Outcome: StatementRunning})
		}
		if err := s.AddStatements(ctx, id, sts); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishStatements(ctx, runs[0], []StatementRecord{
		{Seq: 1, Outcome: StatementApplied, Duration: 7 * time.Millisecond},
		{Seq: 2, Outcome: StatementFailed, Error: "table exists", Duration: 3 * time.Millisecond},
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range runs {
		if err := s.FinishRun(ctx, id, RunFailed, ""); err != nil {
			t.Fatal(err)
		}
	}
	history, err := s.History(ctx, "a", 5)
	if err != nil || len(history) != 2 {
		t.Fatalf("history = %+v, %v", history, err)
	}
	got := map[int64][]string{}
	for _, r := range history {
		for _, st := range r.Statements {
			got[r.ID] = append(got[r.ID], fmt.Sprintf("%d %s %q %s", st.Seq, st.Outcome, st.Error, st.Duration))
		}
	}
	want := map[int64][]string{
		runs[0]: {`1 applied "" 7ms`, `2 failed "table exists" 3ms`, `3 running "" 0s`},
		runs[1]: {`1 running "" 0s`, `2 running "" 0s`, `3 running "" 0s`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("statements = %v, want %v", got, want)
	}

	// More outcomes than one UPDATE's arguments allow (7 each, 65,535 at most).
	big, err := s.StartRun(ctx, "b", "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var sts []StatementRecord
	for seq := 1; seq <= 2*finishBatch+1; seq++ {
		sts = append(sts, StatementRecord{Seq: seq, SQL: "SELECT 1", Outcome: StatementRunning})
	}
	if err := s.AddStatements(ctx, big, sts); err != nil {
		t.Fatal(err)
	}
	for i := range sts {
		sts[i].Outcome = StatementApplied
	}
	if err := s.FinishStatements(ctx, big, sts); err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := s.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.t("apply_statements")+" WHERE run_id = ? AND outcome = ?", big, StatementApplied).Scan(&applied); err != nil || applied != len(sts) {
		t.Fatalf("%d of %d outcomes written (%v)", applied, len(sts), err)
	}
}

// TestBatch checks that a Batch commits all its writes or none, and runs
// in a transaction of its own what reads or uses a result.
func TestBatch(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if s.multi == nil {
		t.Fatal("a landlord opened with interpolated arguments has no batch pool")
	}
	seed := SeedRun{Tenant: "a", Path: "basic/seed/1.sql", Layer: "basic", Checksum: "abc", Statements: 1}
	if err := s.Batch(ctx, func(s *Store) error {
		if err := s.PutTenant(ctx, Tenant{Name: "a", Status: StatusActive, Database: "t_a", Server: "main"}); err != nil {
			return err
		}
		return s.RecordSeed(ctx, seed)
	}); err != nil {
		t.Fatal(err)
	}
	if rec, err := s.Tenant(ctx, "a"); err != nil || rec.Status != StatusActive {
		t.Fatalf("tenant after the batch: %+v, %v", rec, err)
	}
	// The seed again fails its primary key: the tenant written before it in
	// the same batch is not committed.
	err := s.Batch(ctx, func(s *Store) error {
		if err := s.PutTenant(ctx, Tenant{Name: "b", Status: StatusActive, Database: "t_b", Server: "main"}); err != nil {
			return err
		}
		return s.RecordSeed(ctx, seed)
	})
	if err == nil {
		t.Fatal("a batch with a duplicate seed record succeeded")
	}
	if _, err := s.Tenant(ctx, "b"); !IsNotFound(err) {
		t.Fatalf("tenant b of the failed batch: %v, want not found", err)
	}
	// A read of what the batch wrote: it runs again in a transaction, where
	// the read sees the write.
	if err := s.Batch(ctx, func(s *Store) error {
		if err := s.PutTenant(ctx, Tenant{Name: "c", Status: StatusActive, Database: "t_c", Server: "main"}); err != nil {
			return err
		}
		_, err := s.Tenant(ctx, "c")
		return err
	}); err != nil {
		t.Fatalf("a batch that reads its own write: %v", err)
	}
	// A write whose id it needs and a read: run again in a transaction.
	var id int64
	var runs []Run
	if err := s.Batch(ctx, func(s *Store) error {
		var err error
		if id, err = s.StartRun(ctx, "a", "c1", 0); err != nil {
			return err
		}
		runs, err = s.History(ctx, "a", 1)
		return err
	}); err != nil || id == 0 || len(runs) != 1 || runs[0].ID != id {
		t.Fatalf("batch with a result and a read: id %d, runs %+v, %v", id, runs, err)
	}
}
