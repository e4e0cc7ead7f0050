package reconciler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// TestMigratorSessionIsStrict: on a server whose sessions are neither
// strict nor read backslash escapes (set through the configured DSN), the
// migrator still runs strict: an approved narrowing that does not fit the
// stored data fails and changes nothing, instead of truncating it; and
// quoted seed values still read back verbatim.
func TestMigratorSessionIsStrict(t *testing.T) {
	f := newFixture(t)
	cfg, err := mysql.ParseDSN(dbtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params = map[string]string{"sql_mode": "'NO_BACKSLASH_ESCAPES'"}
	f.fleet.Config.Servers["main"] = spec.Server{Name: "main", DSN: cfg.FormatDSN()}
	hostile := `back\slash 'quote' \'`
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('display_name', {{ quote .Vars.display_name }});",
	}))
	tn.Vars["display_name"] = hostile
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("first apply: %s %s", tr.Outcome, tr.Error)
	}
	var got string
	if err := f.db.QueryRowContext(f.ctx, "SELECT v FROM `"+tn.Database+"`.settings WHERE k = 'display_name'").Scan(&got); err != nil || got != hostile {
		t.Fatalf("seeded value %q (%v), want %q", got, err, hostile)
	}

	// The migrator's own session, as openAs opens it.
	r := f.reconciler(Options{})
	s, err := r.server("main")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := f.store().Credential(f.ctx, "acme", landlord.RoleMigrator)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(f.key)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := box.Open(cred.Sealed, sealContext("acme", landlord.RoleMigrator))
	if err != nil {
		t.Fatal(err)
	}
	mig, err := openAs(s, cred.User, pw, tn.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer mig.Close()
	var mode string
	if err := mig.QueryRowContext(f.ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"STRICT_ALL_TABLES", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION", "NO_AUTO_CREATE_USER"} {
		if !strings.Contains(mode, want) {
			t.Errorf("migrator sql_mode %q lacks %s", mode, want)
		}
	}
	if strings.Contains(mode, "NO_BACKSLASH_ESCAPES") {
		t.Errorf("migrator sql_mode %q has NO_BACKSLASH_ESCAPES", mode)
	}

	// An approved narrowing below a stored value fails; nothing is truncated.
	long := strings.Repeat("x", 40) + "@example.org"
	f.exec("INSERT INTO `"+tn.Database+"`.members (email) VALUES (?)", long)
	narrow := map[string]string{}
	for p, q := range basicSQL {
		narrow[p] = strings.Replace(q, "email VARCHAR(190)", "email VARCHAR(20)", 1)
	}
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", narrow, nil)}
	tn.Approve.Destructive = []string{"MODIFY COLUMN members.email"}
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "email") {
		t.Fatalf("narrowing below the data: %s %q, want failed naming the column; statements %v", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
	if err := f.db.QueryRowContext(f.ctx, "SELECT email FROM `"+tn.Database+"`.members").Scan(&got); err != nil || got != long {
		t.Fatalf("email is %q (%v) after the failed narrowing, want it intact %q", got, err, long)
	}
}

// TestRollbackKeepsCredentialsItDidNotCreate: a provisioning that fails
// after creating one user drops that user and its credential only; the
// credential of the user it found keeps opening with the right key. With
// the database in place, the same failure comes before any statement runs.
func TestRollbackKeepsCredentialsItDidNotCreate(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("first apply: %s %s", tr.Outcome, tr.Error)
	}
	before, err := f.store().Credential(f.ctx, "acme", landlord.RoleMigrator)
	if err != nil {
		t.Fatal(err)
	}
	// The app user is dropped by hand; an apply with the wrong key cannot
	// open the migrator's password: it fails before it runs anything.
	f.exec("DROP USER '" + tn.Database + "_app'@'%'")
	wrong := make([]byte, 32)
	if tr := f.result(f.apply(Options{SecretKey: wrong}), "acme"); tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "secret key") || len(tr.Statements) != 0 {
		t.Fatalf("apply with a wrong key: %s %q, %d statements; want failed on the migrator's password, none run", tr.Outcome, tr.Error, len(tr.Statements))
	}
	// The database dropped too: the apply creates it and the app user
	// again, fails the same way and drops both.
	f.exec("DROP DATABASE " + ident.Quote(tn.Database))
	if tr := f.result(f.apply(Options{SecretKey: wrong}), "acme"); tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "secret key") {
		t.Fatalf("apply with a wrong key: %s %q, want failed on the migrator's password", tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.user WHERE user = ?", tn.Database+"_app"); n != 0 {
		t.Fatal("the app user the failed run created was not dropped")
	}
	if _, err := f.store().Credential(f.ctx, "acme", landlord.RoleApp); !landlord.IsNotFound(err) {
		t.Fatalf("the failed run's app credential was kept: %v", err)
	}
	after, err := f.store().Credential(f.ctx, "acme", landlord.RoleMigrator)
	if err != nil || after.Sealed != before.Sealed {
		t.Fatalf("the migrator credential the failed run did not create was lost or changed: %+v, %v", after, err)
	}
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("apply with the right key: %s %s", tr.Outcome, tr.Error)
	}
	if again, err := f.store().Credential(f.ctx, "acme", landlord.RoleMigrator); err != nil || again.Sealed != before.Sealed {
		t.Fatalf("the migrator's password was reset: %+v, %v", again, err)
	}
}

// TestGrantsCheckedNotRepeated: a provisioned tenant's users are found with
// their privileges (so an apply re-grants nothing), a privilege revoked from
// either user is noticed, and the next apply grants it again.
func TestGrantsCheckedNotRepeated(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("ab-c", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d", res.ExitCode())
	}
	r := f.reconciler(Options{})
	srv, err := r.server(tn.Server)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Landlord(f.ctx); err != nil {
		t.Fatal(err)
	}
	j := &job{r: r, srv: srv, t: tn}
	check := func(wantApp, wantMigrator bool) {
		t.Helper()
		have, err := j.accounts(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for role, want := range map[landlord.Role]bool{landlord.RoleApp: wantApp, landlord.RoleMigrator: wantMigrator} {
			a := have[role]
			if !a.exists || a.cred == nil || a.granted != want {
				t.Errorf("%s user: exists %v, stored %v, granted %v; want granted %v", role, a.exists, a.cred != nil, a.granted, want)
			}
		}
	}
	check(true, true)

	// One privilege revoked from either user (for the migrator's ALL
	// PRIVILEGES, one short) is noticed, and the next apply grants it again.
	for role, privilege := range map[landlord.Role]string{landlord.RoleApp: "DELETE", landlord.RoleMigrator: "ALTER"} {
		f.exec("REVOKE " + privilege + " ON " + ident.GrantDB(tn.Database) + ".* FROM " + account(userName(tn.Database, role)))
		check(role != landlord.RoleApp, role != landlord.RoleMigrator)
		if res := f.apply(Options{}); res.ExitCode() != 0 {
			t.Fatalf("apply after %s was revoked from the %s user: exit %d", privilege, role, res.ExitCode())
		}
		check(true, true)
	}
}

// TestTenantUsersHoldTheirGrantsOnly: a provisioned tenant's users hold
// exactly their privileges on its database and nothing on any other, and
// log in with their stored passwords. A user dropped by hand, a password
// the landlord lost and a privilege revoked are in the next plan, as
// statements with the passwords withheld, and the apply that follows runs
// and records exactly those: the users are back, with new passwords that
// work, and the plan after is in sync.
func TestTenantUsersHoldTheirGrantsOnly(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("apply: %s %s", tr.Outcome, tr.Error)
	}
	want := map[landlord.Role]string{
		landlord.RoleApp:      "GRANT SELECT, INSERT, UPDATE, DELETE ON " + ident.GrantDB(tn.Database) + ".*",
		landlord.RoleMigrator: "GRANT ALL PRIVILEGES ON " + ident.GrantDB(tn.Database) + ".*",
	}
	check := func(when string) {
		t.Helper()
		for role, grant := range want {
			user := userName(tn.Database, role)
			got := f.column("SHOW GRANTS FOR " + account(user))
			if len(got) != 2 || !strings.HasPrefix(got[0], "GRANT USAGE ON *.* TO `"+user+"`@`%`") || got[1] != grant+" TO `"+user+"`@`%`" {
				t.Errorf("%s: grants of the %s user:\n%s\nwant USAGE on *.* and %s only", when, role, strings.Join(got, "\n"), grant)
			}
			if err := f.openTenantUser("acme", tn.Database, role).PingContext(f.ctx); err != nil {
				t.Errorf("%s: the %s user cannot log in with its stored password: %v", when, role, err)
			}
		}
	}
	check("provisioned")

	// By hand: the app user dropped, the migrator's stored password lost
	// and one of its privileges revoked.
	app, mig := account(userName(tn.Database, landlord.RoleApp)), account(userName(tn.Database, landlord.RoleMigrator))
	f.exec("DROP USER " + app)
	f.exec("REVOKE ALTER ON " + ident.GrantDB(tn.Database) + ".* FROM " + mig)
	if err := f.store().DeleteCredential(f.ctx, "acme", landlord.RoleMigrator); err != nil {
		t.Fatal(err)
	}
	// And a column added in Git: the same apply runs the users' statements
	// (as the server's admin), then the schema's (as the migrator).
	tn = f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil), layer(spec.LayerCustom, "custom", map[string]string{
		"tenants/acme/migrations/01_fax.sql": "ALTER TABLE members ADD COLUMN fax VARCHAR(20) NULL;\n",
	}, nil))
	// strata plan says what apply will do, passwords withheld.
	plan, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := plan.Tenants[0]
	wantSQL := []string{
		"CREATE USER " + app + " IDENTIFIED BY '<new password>'",
		want[landlord.RoleApp] + " TO " + app,
		"ALTER USER " + mig + " IDENTIFIED BY '<new password>'",
		want[landlord.RoleMigrator] + " TO " + mig,
	}
	var planned []string
	for _, st := range tp.Statements {
		planned = append(planned, st.SQL)
	}
	wantSQL = append(wantSQL, "ALTER TABLE `members` ADD COLUMN `fax` varchar(20) NULL")
	if tp.Action != planner.ActionChange || !slices.Equal(planned, wantSQL) || plan.Summary.Change != 1 {
		t.Fatalf("plan: %s, %d to change:\n  %s\nwant change:\n  %s", tp.Action, plan.Summary.Change, strings.Join(planned, "\n  "), strings.Join(wantSQL, "\n  "))
	}
	tr := f.result(f.apply(Options{}), "acme") // apply runs what plan listed (samePlan)
	if tr.Outcome != OutcomeConverged || len(tr.Statements) != len(wantSQL) {
		t.Fatalf("apply: %s %s, %d statements; want converged, %d", tr.Outcome, tr.Error, len(tr.Statements), len(wantSQL))
	}
	// On record, each before it ran, as every change strata makes: a pass
	// read before them must not pass for current (freshSincePass).
	runs, err := f.store().History(f.ctx, "acme", 1)
	if err != nil || len(runs) != 1 || runs[0].ID != tr.RunID || runs[0].Outcome != landlord.RunConverged ||
		!slices.Equal(sqls(runs[0].Statements), sqls(tr.Statements)) {
		t.Fatalf("the apply that put the users in place: run %d, newest run %+v (%v); want it on record, converged, with its statements", tr.RunID, runs, err)
	}
	for _, st := range runs[0].Statements {
		if st.Outcome != landlord.StatementApplied {
			t.Errorf("recorded %s: %s, want applied", st.SQL, st.Outcome)
		}
	}
	check("put in place")
	if got, want := f.live(tn.Database), f.reference(tn); got != want {
		t.Fatalf("live schema:\n%s\nwant:\n%s", got, want)
	}
	if again, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || again.Tenants[0].Action != planner.ActionNone {
		t.Fatalf("plan after apply: %+v, %v; want in sync", again.Tenants[0], err)
	}
}

// TestChangedPasswordGivenBack: a user whose password was changed by hand
// cannot be reached with the credentials strata hands out, so the plan
// says so and apply sets the stored password again, on record; the stored
// credentials stay as they were.
func TestChangedPasswordGivenBack(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("apply: %s %s", tr.Outcome, tr.Error)
	}
	stored := map[landlord.Role]string{}
	var wantSQL []string
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		cred, err := f.store().Credential(f.ctx, "acme", role)
		if err != nil {
			t.Fatal(err)
		}
		stored[role] = cred.Sealed
		user := account(userName(tn.Database, role))
		f.exec("ALTER USER " + user + " IDENTIFIED BY 'by-hand-1'")
		if err := f.openTenantUser("acme", tn.Database, role).PingContext(f.ctx); err == nil {
			t.Fatalf("the %s user logs in with its stored password after it was changed", role)
		}
		wantSQL = append(wantSQL, "ALTER USER "+user+" IDENTIFIED BY '<stored password>'")
	}
	plan, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp := plan.Tenants[0]
	var planned []string
	for _, st := range tp.Statements {
		planned = append(planned, st.SQL)
	}
	if tp.Action != planner.ActionChange || !slices.Equal(planned, wantSQL) {
		t.Fatalf("plan: %s\n  %s\nwant change:\n  %s", tp.Action, strings.Join(planned, "\n  "), strings.Join(wantSQL, "\n  "))
	}
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeConverged || !slices.Equal(sqls(tr.Statements), wantSQL) {
		t.Fatalf("apply: %s %s, ran %q; want converged, running %q", tr.Outcome, tr.Error, sqls(tr.Statements), wantSQL)
	}
	for role, sealed := range stored {
		if err := f.openTenantUser("acme", tn.Database, role).PingContext(f.ctx); err != nil {
			t.Errorf("the %s user cannot log in with its stored password after apply: %v", role, err)
		}
		if cred, err := f.store().Credential(f.ctx, "acme", role); err != nil || cred.Sealed != sealed {
			t.Errorf("the %s user's stored password changed: %v", role, err)
		}
	}
	if again, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || again.Tenants[0].Action != planner.ActionNone {
		t.Fatalf("plan after apply: %+v, %v; want in sync", again.Tenants[0], err)
	}
}

// TestAdminWithTheDocumentedPrivileges: a tenant server's DSN user holding
// only what the README asks for (CREATE USER, ALL with GRANT OPTION on the
// tenant databases, SELECT on mysql.global_priv and mysql.db) provisions,
// converges and seeds a tenant, and re-checks it on the next apply.
func TestAdminWithTheDocumentedPrivileges(t *testing.T) {
	f := newFixture(t)
	admin := f.prefix + "admin"
	for _, q := range []string{
		"CREATE USER " + account(admin) + " IDENTIFIED BY 'Adm1n-pw'",
		"GRANT CREATE USER ON *.* TO " + account(admin),
		"GRANT ALL PRIVILEGES ON `" + f.prefix + "%`.* TO " + account(admin) + " WITH GRANT OPTION",
		"GRANT SELECT ON mysql.global_priv TO " + account(admin),
		"GRANT SELECT ON mysql.db TO " + account(admin),
	} {
		f.exec(q)
	}
	cfg, err := mysql.ParseDSN(dbtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = admin, "Adm1n-pw"
	f.fleet.Config.Servers["limited"] = spec.Server{Name: "limited", DSN: cfg.FormatDSN()}
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, map[string]string{
		"basic/seed/01.sql": "INSERT INTO settings (k, v) VALUES ('plan', 'free');",
	}))
	tn.Server = "limited"
	for _, when := range []string{"provision", "re-check"} {
		if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
			t.Fatalf("%s as %s: %s %s", when, admin, tr.Outcome, tr.Error)
		}
	}
	if got, want := f.live(tn.Database), f.reference(tn); got != want {
		t.Fatalf("live schema:\n%s\nwant:\n%s", got, want)
	}
	if n := f.count("SELECT COUNT(*) FROM `" + tn.Database + "`.settings WHERE k = 'plan'"); n != 1 {
		t.Fatalf("seed rows: %d, want 1", n)
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.global_priv WHERE user IN (?, ?)", userName(tn.Database, landlord.RoleApp), userName(tn.Database, landlord.RoleMigrator)); n != 2 {
		t.Fatalf("tenant users: %d, want 2", n)
	}
}

// TestUsersRepairStoppedPartWay: an apply asked to stop while it puts a
// tenant's dropped users back keeps the new password of the user it
// created (the user's now: stored, so strata credentials logs in), records
// the statements it never reached as skipped, and the next apply creates
// the other user alone.
func TestUsersRepairStoppedPartWay(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("apply: %s %s", tr.Outcome, tr.Error)
	}
	app, mig := account(userName(tn.Database, landlord.RoleApp)), account(userName(tn.Database, landlord.RoleMigrator))
	oldApp, err := f.store().Credential(f.ctx, "acme", landlord.RoleApp)
	if err != nil {
		t.Fatal(err)
	}
	f.exec("DROP USER " + app)
	f.exec("DROP USER " + mig)

	// Stopped (SIGTERM) as the app user's grant starts: it runs to its end,
	// the migrator's statements do not run.
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	r := f.reconciler(Options{Listener: func(ev Event) {
		if e, ok := ev.(StatementStarted); ok && e.Seq == 2 {
			cancel()
		}
	}})
	res, err := r.Apply(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply: %v, want cancelled", err)
	}
	tr := f.result(res, "acme")
	want := []string{
		"applied CREATE USER " + app + " IDENTIFIED BY '<new password>'",
		"applied GRANT SELECT, INSERT, UPDATE, DELETE ON " + ident.GrantDB(tn.Database) + ".* TO " + app,
		"skipped CREATE USER " + mig + " IDENTIFIED BY '<new password>'",
		"skipped GRANT ALL PRIVILEGES ON " + ident.GrantDB(tn.Database) + ".* TO " + mig,
	}
	runs, err := f.store().History(f.ctx, "acme", 1)
	if err != nil || len(runs) != 1 || runs[0].ID != tr.RunID || runs[0].Outcome != landlord.RunInterrupted {
		t.Fatalf("run of the stopped apply %d: %+v, %v; want it on record, interrupted", tr.RunID, runs, err)
	}
	var recorded []string
	for _, st := range runs[0].Statements {
		recorded = append(recorded, string(st.Outcome)+" "+st.SQL)
	}
	if tr.Outcome != OutcomeInterrupted || !slices.Equal(recorded, want) {
		t.Fatalf("stopped apply: %s %s, recorded\n  %s\nwant\n  %s", tr.Outcome, tr.Error, strings.Join(recorded, "\n  "), strings.Join(want, "\n  "))
	}
	if cred, err := f.store().Credential(f.ctx, "acme", landlord.RoleApp); err != nil || cred.Sealed == oldApp.Sealed {
		t.Fatalf("the app user's credential after the stopped apply: %v; want its new password stored", err)
	}
	if err := f.openTenantUser("acme", tn.Database, landlord.RoleApp).PingContext(f.ctx); err != nil {
		t.Fatalf("the app user cannot log in with its stored password after the stopped apply: %v", err)
	}
	if got := f.column("SELECT user FROM mysql.user WHERE user = ?", userName(tn.Database, landlord.RoleMigrator)); len(got) != 0 {
		t.Fatalf("the migrator user exists after the apply stopped before creating it")
	}

	tr = f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeConverged || !slices.Equal(sqls(tr.Statements), []string{
		"CREATE USER " + mig + " IDENTIFIED BY '<new password>'", "GRANT ALL PRIVILEGES ON " + ident.GrantDB(tn.Database) + ".* TO " + mig,
	}) {
		t.Fatalf("the next apply: %s %s, ran %q; want the migrator's statements alone", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
	for _, role := range []landlord.Role{landlord.RoleApp, landlord.RoleMigrator} {
		if err := f.openTenantUser("acme", tn.Database, role).PingContext(f.ctx); err != nil {
			t.Errorf("the %s user cannot log in with its stored password: %v", role, err)
		}
	}
	if got, want := f.live(tn.Database), f.reference(tn); got != want {
		t.Fatalf("live schema:\n%s\nwant:\n%s", got, want)
	}
	if again, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || again.Tenants[0].Action != planner.ActionNone {
		t.Fatalf("plan after apply: %+v, %v; want in sync", again.Tenants[0], err)
	}
}
