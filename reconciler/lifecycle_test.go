package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

const seedTemplate = "INSERT INTO settings (k, v) VALUES ('tenant', '{{ .Tenant.Name }}');\n" +
	"INSERT INTO settings (k, v) VALUES ('display_name', {{ quote .Vars.display_name }});\n"

// TestSeeds: seeds run once per tenant and layer, quote makes hostile vars
// plain data, a bare hostile var fails that tenant, a changed seed is
// reported and not rerun.
func TestSeeds(t *testing.T) {
	f := newFixture(t)
	hostile := `O'Brien\'); DROP TABLE members; -- "x"` + "\n`y`"
	basic := layer(spec.LayerBasic, "basic", basicSQL, map[string]string{"basic/seed/01_settings.sql": seedTemplate})
	events := layer(spec.LayerModule, "events", eventsSQL, map[string]string{
		"modules/events/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('events', 'on');",
	})
	acme := f.tenant("acme", basic)
	acme.Vars["display_name"] = hostile
	bare := f.tenant("bare", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01_settings.sql": "INSERT INTO settings (k, v) VALUES ('display_name', '{{ .Vars.display_name }}');",
	}))
	bare.Vars["display_name"] = hostile

	res := f.apply(Options{})
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeConverged || len(tr.Seeds) != 1 {
		t.Fatalf("acme: %+v", tr)
	}
	var got string
	if err := f.db.QueryRowContext(f.ctx, "SELECT v FROM `"+acme.Database+"`.settings WHERE k = 'display_name'").Scan(&got); err != nil || got != hostile {
		t.Fatalf("display_name stored as %q (%v), want the var verbatim %q", got, err, hostile)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'members'", acme.Database); n != 1 {
		t.Fatal("the injected DROP TABLE ran")
	}
	tr := f.result(res, "bare")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "basic/seed/01_settings.sql:1") || !strings.Contains(tr.Error, "var display_name") {
		t.Fatalf("bare: outcome %s error %q, want failed naming the seed file and var", tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + bare.Database + "`.settings"); n != 0 {
		t.Fatal("the rejected seed wrote rows")
	}

	// Again, plus a module with its own seed: only the new layer's seed runs.
	acme.Layers = []*spec.Layer{basic, events}
	res = f.apply(Options{})
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeConverged || strings.Join(tr.Seeds, ",") != "modules/events/seed/01.sql" {
		t.Fatalf("second apply seeds = %v (%s %s), want only the module's", tr.Seeds, tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + acme.Database + "`.settings"); n != 3 {
		t.Fatalf("%d settings rows, want 3 (each seed once)", n)
	}

	// A seed changed after it ran is reported, not rerun.
	basic.Seeds = sqlFiles(map[string]string{"basic/seed/01_settings.sql": seedTemplate + "INSERT INTO settings (k, v) VALUES ('more', 'x');"})
	res = f.apply(Options{})
	if tr := f.result(res, "acme"); len(tr.Seeds) != 0 || strings.Join(tr.SeedsChanged, ",") != "basic/seed/01_settings.sql" {
		t.Fatalf("after a seed change: seeds %v changed %v", tr.Seeds, tr.SeedsChanged)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + acme.Database + "`.settings"); n != 3 {
		t.Fatalf("%d settings rows after the seed changed, want 3", n)
	}
	runs, err := f.store().SeedRuns(f.ctx, "acme")
	if err != nil || len(runs) != 2 || runs["modules/events/seed/01.sql"].Layer != "module/events" {
		t.Fatalf("seed runs = %+v, %v", runs, err)
	}
}

// TestSeedFailureRollsBack: a seed statement that fails rolls back the whole
// seed file and fails the tenant with file:line; fixed, it runs once.
func TestSeedFailureRollsBack(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('a', '1');\nINSERT INTO nowhere VALUES (1);",
	}))
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "basic/seed/01.sql:2") {
		t.Fatalf("outcome %s error %q", tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.settings"); n != 0 {
		t.Fatal("the failed seed file was not rolled back")
	}
	tn.Layers[0].Seeds = sqlFiles(map[string]string{"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('a', '1');"})
	f.apply(Options{})
	f.apply(Options{})
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.settings"); n != 1 {
		t.Fatalf("%d rows, want the fixed seed once", n)
	}
}

// TestSuspendAndDecommission: suspended locks the app user and changes no
// schema; active unlocks it; decommissioned drops the users and keeps the
// database unless DROP DATABASE is approved.
func TestSuspendAndDecommission(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	tn := f.tenant("acme", basic)
	f.apply(Options{})
	dsn, err := f.reconciler(Options{}).Credentials(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dsn, "parseTime") {
		t.Errorf("app DSN %q carries strata's own connection settings", dsn)
	}
	connects := func() error {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.PingContext(context.Background())
	}
	if err := connects(); err != nil {
		t.Fatalf("app user cannot connect: %v", err)
	}

	tn.Status = spec.StatusSuspended
	tn.Layers = []*spec.Layer{basic, layer(spec.LayerModule, "events", eventsSQL, nil)}
	f.wantPlan("suspension pending", planner.ActionChange, "ALTER USER '"+tn.Database+"_app'@'%' ACCOUNT LOCK")
	res := f.apply(Options{})
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeSuspended || len(tr.Statements) != 1 || !strings.HasSuffix(tr.Statements[0].SQL, "ACCOUNT LOCK") {
		t.Fatalf("suspended: %+v", tr)
	}
	var me *mysql.MySQLError
	if err := connects(); !errors.As(err, &me) || me.Number != 4151 {
		t.Fatalf("suspended app user connects: err = %v, want account locked (4151)", err)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'events'", tn.Database); n != 0 {
		t.Fatal("a suspended tenant's schema was changed")
	}
	if rec, err := f.store().Tenant(f.ctx, "acme"); err != nil || rec.Status != landlord.StatusSuspended {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	f.wantPlan("suspended", planner.ActionSkip)

	tn.Status = spec.StatusActive
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("reactivated: %+v", tr)
	}
	if err := connects(); err != nil {
		t.Fatalf("reactivated app user cannot connect: %v", err)
	}

	// DROP DATABASE approved anywhere but the tenant's own tenant.yaml (here
	// merged into Approve, as from strata.yaml) must not drop its database.
	tn.Status = spec.StatusDecommissioned
	tn.Approve.Destructive = []string{"DROP DATABASE"}
	f.wantPlan("decommission pending", planner.ActionChange,
		"DROP USER IF EXISTS '"+tn.Database+"_app'@'%'", "DROP USER IF EXISTS '"+tn.Database+"_mig'@'%'")
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeDecommissioned {
		t.Fatalf("decommissioned: %+v", tr)
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.user WHERE user IN (?, ?)", tn.Database+"_app", tn.Database+"_mig"); n != 0 {
		t.Fatalf("%d users left after decommission", n)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 1 {
		t.Fatal("the database was dropped without approval")
	}
	if _, err := f.store().Credential(f.ctx, "acme", landlord.RoleApp); !landlord.IsNotFound(err) {
		t.Fatalf("credentials kept after decommission: %v", err)
	}
	f.wantPlan("decommissioned", planner.ActionSkip)
	tn.OwnApprove.Destructive = []string{"drop  DATABASE"}
	tn.Approve.Destructive = tn.OwnApprove.Destructive
	f.wantPlan("database drop approved", planner.ActionChange, "DROP DATABASE IF EXISTS `"+tn.Database+"`")
	f.apply(Options{})
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 0 {
		t.Fatal("the database survived an approved decommission")
	}
	if rec, err := f.store().Tenant(f.ctx, "acme"); err != nil || rec.Status != landlord.StatusDecommissioned {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	f.wantPlan("database dropped", planner.ActionSkip)
}

// wantPlan plans the fleet's only tenant and requires action and exactly
// the statements given; a change must make strata plan exit 2.
func (f *fixture) wantPlan(when string, action planner.Action, stmts ...string) {
	f.t.Helper()
	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		f.t.Fatalf("%s: plan: %v", when, err)
	}
	tp := p.Tenants[0]
	var got []string
	for _, st := range tp.Statements {
		got = append(got, st.SQL)
	}
	if tp.Action != action || strings.Join(got, "\n") != strings.Join(stmts, "\n") {
		f.t.Fatalf("%s: plan %s %q (%s), want %s %q", when, tp.Action, got, tp.Error, action, stmts)
	}
	if pending := p.Summary.Change > 0; pending != (action == planner.ActionChange) {
		f.t.Fatalf("%s: summary %+v", when, p.Summary)
	}
}

// TestSecretKey: no key refuses to provision (naming how to set one); a
// wrong key cannot read the credentials.
func TestSecretKey(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	r, err := New(f.fleet, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Apply(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "STRATA_SECRET_KEY") {
		t.Fatalf("without a key: %+v", tr)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 0 {
		t.Fatal("provisioned without a key")
	}
	if _, err := r.Credentials(f.ctx, "acme"); !errors.Is(err, secret.ErrNoKey) {
		t.Fatalf("Credentials without a key: %v", err)
	}

	f.apply(Options{})
	wrong := make([]byte, 32)
	if _, err := f.reconciler(Options{SecretKey: wrong}).Credentials(f.ctx, "acme"); !errors.Is(err, secret.ErrWrongKey) {
		t.Fatalf("Credentials with a wrong key: %v", err)
	}
	// A wrong key must not make apply reset the passwords either.
	if tr := f.result(f.apply(Options{SecretKey: wrong}), "acme"); tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "secret key") {
		t.Fatalf("apply with a wrong key: %+v", tr)
	}
	if _, err := f.reconciler(Options{}).Credentials(f.ctx, "acme"); err != nil {
		t.Fatalf("the right key no longer opens the credentials: %v", err)
	}
	if _, err := New(f.fleet, Options{SecretKey: []byte("short")}); err == nil {
		t.Fatal("New accepted a 5-byte key")
	}
}

// TestLockedTenantSkipped: a tenant whose lock another session holds is
// skipped, the others are applied.
func TestLockedTenantSkipped(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	held := f.tenant("held", basic)
	f.tenant("free", basic)
	conn, err := f.db.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(f.ctx, "SELECT GET_LOCK(?, 0)", landlord.LockName("tenant", held.Database)).Scan(&got); err != nil || got != 1 {
		t.Fatalf("take lock: %d %v", got, err)
	}
	res := f.apply(Options{})
	if tr := f.result(res, "held"); tr.Outcome != OutcomeLocked {
		t.Fatalf("held: %+v", tr)
	}
	if res.ExitCode() != 3 {
		t.Fatalf("exit %d with a tenant skipped for its lock, want 3 (the rest converged; apply again later)", res.ExitCode())
	}
	if tr := f.result(res, "held"); KindOf(tr.Err) != KindTransient || !errors.Is(tr.Err, ErrLocked) {
		t.Fatalf("held: Err %v, want transient ErrLocked", tr.Err)
	}
	if tr := f.result(res, "free"); tr.Outcome != OutcomeConverged {
		t.Fatalf("free: %+v", tr)
	}
	if _, err := conn.ExecContext(f.ctx, "SELECT RELEASE_LOCK(?)", landlord.LockName("tenant", held.Database)); err != nil {
		t.Fatal(err)
	}
	res = f.apply(Options{})
	if tr := f.result(res, "held"); tr.Outcome != OutcomeConverged || res.ExitCode() != 0 {
		t.Fatalf("after release: %+v, exit %d", tr, res.ExitCode())
	}
}
