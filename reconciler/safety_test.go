package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

// TestDropColumnBlockedUntilApproved: removing a column from a layer is
// blocked (exit 2, data intact) until the tenant approves it.
func TestDropColumnBlockedUntilApproved(t *testing.T) {
	f := newFixture(t)
	withFax := layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01.sql": "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL, fax VARCHAR(30) NULL);",
	}, nil)
	withoutFax := layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01.sql": "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL);",
	}, nil)
	tn := f.tenant("acme", withFax)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	f.exec("INSERT INTO `" + tn.Database + "`.members VALUES (1, 'a@example.org', '555-1234')")

	tn = f.tenant("acme", withoutFax)
	res := f.apply(Options{Commit: "c2"})
	tr := f.result(res, "acme")
	if res.ExitCode() != 2 || tr.Outcome != OutcomeBlocked {
		t.Fatalf("exit %d outcome %s, want 2 blocked: %+v", res.ExitCode(), tr.Outcome, tr)
	}
	tp := res.Plan.Tenants[0]
	if tp.Action != planner.ActionBlocked || len(tp.Statements) != 1 || tp.Statements[0].Approval != "DROP COLUMN members.fax" {
		t.Fatalf("plan = %+v", tp)
	}
	if len(tr.Statements) != 1 || tr.Statements[0].Outcome != landlord.StatementBlocked {
		t.Fatalf("statements = %+v", tr.Statements)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.members WHERE fax = '555-1234'"); n != 1 {
		t.Fatal("the blocked column's data is gone")
	}
	rec, err := f.store().Tenant(f.ctx, "acme")
	if err != nil || !strings.Contains(rec.LastError, "DROP COLUMN members.fax") {
		t.Fatalf("landlord record does not say what is blocked: %+v, %v", rec, err)
	}

	tn.Approve.Destructive = []string{"DROP COLUMN members.fax"}
	res = f.apply(Options{Commit: "c3"})
	tr = f.result(res, "acme")
	if res.ExitCode() != 0 || tr.Outcome != OutcomeConverged || len(tr.Statements) != 1 || tr.Statements[0].Outcome != landlord.StatementApplied {
		t.Fatalf("after approval: exit %d %+v", res.ExitCode(), tr)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND column_name = 'fax'", tn.Database); n != 0 {
		t.Fatal("fax still exists after the approved apply")
	}
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.members"); n != 1 {
		t.Fatal("rows lost")
	}
}

// TestHandMadeTableSurvives: a table no layer declares is reported, not
// dropped. Made after the last apply, it is drift: with the default drift
// strategy (report) the tenant is left drifted.
func TestHandMadeTableSurvives(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	f.apply(Options{})
	f.exec("CREATE TABLE `" + tn.Database + "`.notes (id INT PRIMARY KEY)")
	res := f.apply(Options{})
	tr := f.result(res, "acme")
	if tr.Outcome != OutcomeDrifted || len(tr.Statements) != 0 {
		t.Fatalf("outcome %s statements %v", tr.Outcome, sqls(tr.Statements))
	}
	found := false
	for _, d := range tr.Unmanaged {
		found = found || strings.Contains(d.Object, "notes")
	}
	if !found {
		t.Fatalf("unmanaged = %+v, want the notes table reported", tr.Unmanaged)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'notes'", tn.Database); n != 1 {
		t.Fatal("the hand-made table was dropped")
	}
}

// TestBadCustomLayerFailsAlone: bad SQL in one tenant's custom layer fails
// that tenant with file:line, creates nothing for it, and the others converge.
func TestBadCustomLayerFailsAlone(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	f.tenant("good-one", basic)
	bad := f.tenant("bad", basic, layer(spec.LayerCustom, "bad", map[string]string{
		"tenants/bad/01_custom.sql": "-- a custom column\n\nALTER TABLE members ADD COLUMN x NOTATYPE;\n",
	}, nil))
	f.tenant("good-two", basic)
	res := f.apply(Options{Commit: "c1"})
	if res.ExitCode() != 1 {
		t.Fatalf("exit %d, want 1", res.ExitCode())
	}
	for _, tr := range res.Tenants {
		if tr.Name == "bad" {
			if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "tenants/bad/01_custom.sql:3") {
				t.Errorf("bad: outcome %s error %q, want failed naming tenants/bad/01_custom.sql:3", tr.Outcome, tr.Error)
			}
			continue
		}
		if tr.Outcome != OutcomeConverged {
			t.Errorf("%s: %s %s", tr.Name, tr.Outcome, tr.Error)
		}
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", bad.Database); n != 0 {
		t.Error("the failed tenant's database was created")
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.user WHERE user LIKE ?", bad.Database+"%"); n != 0 {
		t.Error("the failed tenant's users were created")
	}
	store := f.store()
	rec, err := store.Tenant(f.ctx, "bad")
	if err != nil || rec.Status != landlord.StatusFailed || !strings.Contains(rec.LastError, "01_custom.sql:3") || rec.LastAttemptedCommit != "c1" {
		t.Fatalf("bad record = %+v, %v", rec, err)
	}
	if runs, err := store.History(f.ctx, "bad", 1); err != nil || len(runs) != 1 || runs[0].Outcome != landlord.RunFailed {
		t.Fatalf("bad history = %+v, %v", runs, err)
	}
}

// TestPartialPlanRecorded: a plan statement that fails half way records what
// ran and what failed; the tenant is failed and the next run re-diffs.
func TestPartialPlanRecorded(t *testing.T) {
	f := newFixture(t)
	v1 := layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01.sql": "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL);",
	}, nil)
	tn := f.tenant("acme", v1)
	f.apply(Options{})
	// Two rows with the same email make the new unique key fail on the live
	// tenant while the new table before it is created fine.
	f.exec("INSERT INTO `" + tn.Database + "`.members VALUES (1, 'x@y'), (2, 'x@y')")
	f.tenant("acme", layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01.sql": "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NULL, UNIQUE KEY members_email (email));\nCREATE TABLE zeta (id INT NOT NULL PRIMARY KEY);",
	}, nil))
	res := f.apply(Options{Commit: "c2"})
	tr := f.result(res, "acme")
	if tr.Outcome != OutcomeFailed {
		t.Fatalf("outcome %s, want failed: %+v", tr.Outcome, tr)
	}
	outcomes := map[string]int{}
	for _, s := range tr.Statements {
		outcomes[s.Outcome]++
	}
	if outcomes[landlord.StatementFailed] != 1 {
		t.Fatalf("statements = %+v, want one failed", tr.Statements)
	}
	runs, err := f.store().History(f.ctx, "acme", 1)
	if err != nil || len(runs) != 1 || len(runs[0].Statements) != len(tr.Statements) || runs[0].Outcome != landlord.RunFailed {
		t.Fatalf("recorded run = %+v, %v", runs, err)
	}
	// Fix the data; the next run converges from what is live.
	f.exec("DELETE FROM `" + tn.Database + "`.members WHERE id = 2")
	if res := f.apply(Options{Commit: "c3"}); f.result(res, "acme").Outcome != OutcomeConverged {
		t.Fatalf("after fixing the data: %+v", res.Tenants)
	}
}

// TestIsolation: the app user cannot change the schema or reach another
// tenant, also when database names differ only where a GRANT wildcard
// would match (tenant_ab_c vs tenant_abxc).
func TestIsolation(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	abc := f.tenant("ab-c", basic)
	abxc := f.tenant("abxc", basic)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: %+v", res.Tenants)
	}
	r := f.reconciler(Options{})
	dsn, err := r.Credentials(f.ctx, "ab-c")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DBName != abc.Database || cfg.User != abc.Database+"_app" || cfg.Passwd == "" {
		t.Fatalf("credentials DSN is for %s@%s", cfg.User, cfg.DBName)
	}
	app := openDSN(t, dsn)
	mig := openDSN(t, migratorDSN(t, f, abc))

	if _, err := app.ExecContext(f.ctx, "INSERT INTO members (email) VALUES ('me@ab-c')"); err != nil {
		t.Fatalf("app user cannot write its own tenant: %v", err)
	}
	denied := []struct {
		name string
		db   *sql.DB
		q    string
	}{
		{"app create", app, "CREATE TABLE x (id INT)"},
		{"app alter", app, "ALTER TABLE members ADD COLUMN y INT"},
		{"app drop", app, "DROP TABLE settings"},
		{"app index", app, "CREATE INDEX members_x ON members (email)"},
		{"app reads the wildcard twin", app, "SELECT * FROM `" + abxc.Database + "`.members"},
		{"app writes the wildcard twin", app, "INSERT INTO `" + abxc.Database + "`.members (email) VALUES ('x')"},
		{"migrator reads the wildcard twin", mig, "SELECT * FROM `" + abxc.Database + "`.members"},
		{"migrator alters the wildcard twin", mig, "ALTER TABLE `" + abxc.Database + "`.members ADD COLUMN z INT"},
		{"migrator creates a database", mig, "CREATE DATABASE `" + f.prefix + "abyc`"},
	}
	for _, d := range denied {
		t.Run(d.name, func(t *testing.T) {
			_, err := d.db.ExecContext(f.ctx, d.q)
			var me *mysql.MySQLError
			if !errors.As(err, &me) || (me.Number != 1142 && me.Number != 1044 && me.Number != 1143) {
				t.Fatalf("%s: err = %v, want access denied", d.q, err)
			}
		})
	}
	var visible int
	if err := app.QueryRowContext(f.ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", abxc.Database).Scan(&visible); err != nil {
		t.Fatal(err)
	}
	if visible != 0 {
		t.Error("the app user can see the other tenant's database")
	}
	if _, err := mig.ExecContext(f.ctx, "CREATE TABLE scratch (id INT PRIMARY KEY)"); err != nil {
		t.Errorf("migrator cannot create a table in its own database: %v", err)
	}
}

func openDSN(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return db
}

// migratorDSN builds the migrator's DSN from the landlord's sealed password.
func migratorDSN(t *testing.T, f *fixture, tn *spec.Tenant) string {
	t.Helper()
	c, err := f.store().Credential(f.ctx, tn.Name, landlord.RoleMigrator)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(f.key)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := box.Open(c.Sealed, sealContext(tn.Name, landlord.RoleMigrator))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dbtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd, cfg.DBName = c.User, pw, tn.Database
	return cfg.FormatDSN()
}
