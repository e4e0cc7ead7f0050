package reconciler

import (
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// TestSeedRunsOnceWhenTheLandlordFails: the seed commits in the tenant
// database, then recording it in the landlord fails (another session holds
// seed_runs locked; strata's lock wait gives up). The next apply finds the
// seed's marker, records the seed and does not run it again; the marker
// table is no difference and no drift.
func TestSeedRunsOnceWhenTheLandlordFails(t *testing.T) {
	f := newFixture(t)
	cfg, err := mysql.ParseDSN(dbtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = map[string]string{"innodb_lock_wait_timeout": "1"}
	f.fleet.Config.Servers["main"] = spec.Server{Name: "main", DSN: cfg.FormatDSN()}
	logSQL := map[string]string{"basic/01_log.sql": "CREATE TABLE log (\n  id INT NOT NULL AUTO_INCREMENT,\n  msg VARCHAR(50) NOT NULL,\n  PRIMARY KEY (id)\n);\n"}
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", logSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO log (msg) VALUES ('welcome');",
	}))
	if _, err := f.reconciler(Options{}).Landlord(f.ctx); err != nil {
		t.Fatal(err)
	}

	holder, err := f.db.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, q := range []string{"BEGIN", "SELECT * FROM `" + f.fleet.Config.Landlord.Database + "`.seed_runs FOR UPDATE"} {
		if _, err := holder.ExecContext(f.ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tr := f.result(f.apply(Options{}), "acme")
	if _, err := holder.ExecContext(f.ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "record seed basic/seed/01.sql") {
		t.Fatalf("apply with seed_runs locked: %s %q, want failed recording the seed", tr.Outcome, tr.Error)
	}
	rows := func() int { return f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.log") }
	if n := rows(); n != 1 {
		t.Fatalf("%d seeded rows after the first apply, want 1", n)
	}

	for i := range 2 {
		tr := f.result(f.apply(Options{}), "acme")
		if tr.Outcome != OutcomeConverged || len(tr.Seeds) != 0 || len(tr.Statements) != 0 || len(tr.Unmanaged) != 0 {
			t.Fatalf("apply %d after the failure: %s %q seeds %v statements %v unmanaged %v", i+2, tr.Outcome, tr.Error, tr.Seeds, sqls(tr.Statements), tr.Unmanaged)
		}
		if n := rows(); n != 1 {
			t.Fatalf("%d seeded rows after apply %d, want 1: the seed ran again", n, i+2)
		}
	}
	runs, err := f.store().SeedRuns(f.ctx, "acme")
	if r, ok := runs["basic/seed/01.sql"]; err != nil || !ok || r.Checksum != tn.Layers[0].Seeds[0].Hash || r.Statements != 1 {
		t.Fatalf("seed runs %+v (%v): want the seed recorded with its checksum", runs, err)
	}
	if got, want := f.live(tn.Database), f.reference(tn); got != want {
		t.Fatalf("live schema\n%s\nwant\n%s", got, want)
	}
}

// TestSeedsOfOneApplyCommitTogether: the seed files an apply runs commit in
// one transaction with their markers, so a failing file leaves none of them
// behind (named with its file:line); fixed, each runs once.
func TestSeedsOfOneApplyCommitTogether(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('a', '1');",
		"basic/seed/02.sql": "INSERT INTO settings (k, v) VALUES ('b', '2');\nINSERT INTO nowhere VALUES (1);",
	}))
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "basic/seed/02.sql:2") || len(tr.Seeds) != 0 {
		t.Fatalf("apply with a failing second seed: %s %q seeds %v", tr.Outcome, tr.Error, tr.Seeds)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.settings"); n != 0 {
		t.Fatalf("%d settings rows after the second seed failed, want 0: the first committed alone", n)
	}
	tn.Layers[0].Seeds = sqlFiles(map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('a', '1');",
		"basic/seed/02.sql": "INSERT INTO settings (k, v) VALUES ('b', '2');",
	})
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged || strings.Join(tr.Seeds, ",") != "basic/seed/01.sql,basic/seed/02.sql" {
		t.Fatalf("apply after the fix: %s %q seeds %v", tr.Outcome, tr.Error, tr.Seeds)
	}
	f.apply(Options{})
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.settings"); n != 2 {
		t.Fatalf("%d settings rows, want each seed once", n)
	}
	runs, err := f.store().SeedRuns(f.ctx, "acme")
	if err != nil || len(runs) != 2 {
		t.Fatalf("seed runs = %+v, %v; want both recorded", runs, err)
	}
}
