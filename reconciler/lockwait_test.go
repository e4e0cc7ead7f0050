package reconciler

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

// TestSchemaChangeGivesUpOnMetadataLock: an application transaction holds a
// table open while strata alters it. The ALTER gives up after
// apply.lock_wait_timeout instead of waiting a day with the application's
// queries queued behind it: the app user's SELECT, issued while the ALTER
// waits, is answered soon after the configured wait; the tenant fails as
// transient, naming the blocking transaction's age; the next apply converges.
func TestSchemaChangeGivesUpOnMetadataLock(t *testing.T) {
	const wait = time.Second
	f, tn := convergedWithLockWait(t, wait)

	app := f.openTenantUser("acme", tn.Database, landlord.RoleApp)
	holder, err := app.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, q := range []string{"BEGIN", "SELECT COUNT(*) FROM members"} {
		if _, err := holder.ExecContext(f.ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	released := false
	release := func() {
		if !released {
			released = true
			holder.ExecContext(f.ctx, "ROLLBACK")
		}
	}
	defer release()

	grown := map[string]string{"basic/03_fax.sql": "ALTER TABLE members ADD COLUMN fax VARCHAR(20) NULL;\n"}
	for k, v := range basicSQL {
		grown[k] = v
	}
	f.tenant("acme", layer(spec.LayerBasic, "basic", grown, nil))
	done := make(chan *Result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(f.ctx, time.Minute)
		defer cancel()
		res, err := f.reconciler(Options{}).Apply(ctx, nil)
		if err != nil {
			t.Errorf("Apply: %v", err)
		}
		done <- res
	}()

	// Once the ALTER waits, the application's queries queue behind it.
	deadline := time.Now().Add(30 * time.Second)
	for f.count("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? AND STATE LIKE 'Waiting for table metadata lock' AND INFO LIKE 'ALTER%'", tn.Database) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the ALTER never waited for the metadata lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
	defer cancel()
	began := time.Now()
	var n int
	if err := app.QueryRowContext(ctx, "SELECT COUNT(*) FROM members").Scan(&n); err != nil {
		t.Fatalf("the app user's SELECT, blocked behind the ALTER for %s: %v", time.Since(began).Round(time.Millisecond), err)
	}
	if blocked := time.Since(began); blocked > wait+2*time.Second {
		t.Errorf("the app user's SELECT was blocked %s behind the ALTER; lock_wait_timeout is %s", blocked, wait)
	}

	res := <-done
	release()
	tr := f.result(res, "acme")
	if tr.Outcome != OutcomeFailed || KindOf(tr.Err) != KindTransient {
		t.Fatalf("apply under the lock: outcome %s, kind %s (%s); want failed, transient", tr.Outcome, KindOf(tr.Err), tr.Error)
	}
	const want = "waiting for a metadata lock held by a transaction running for "
	if !strings.Contains(tr.Error, want) {
		t.Errorf("error %q does not say %q", tr.Error, want)
	}
	if len(tr.Statements) != 1 || !strings.Contains(tr.Statements[0].Error, want) {
		t.Errorf("statements %+v: want the ALTER recorded failed with %q", tr.Statements, want)
	}

	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged || len(tr.Statements) != 1 {
		t.Fatalf("apply after the transaction ended: %s %s %v", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
}

// openTenantUser connects to database as tenant's app or migrator user with
// the password sealed in the landlord.
func (f *fixture) openTenantUser(tenant, database string, role landlord.Role) *sql.DB {
	f.t.Helper()
	cred, err := f.store().Credential(f.ctx, tenant, role)
	if err != nil {
		f.t.Fatal(err)
	}
	box, err := secret.NewBox(f.key)
	if err != nil {
		f.t.Fatal(err)
	}
	pw, err := box.Open(cred.Sealed, sealContext(tenant, role))
	if err != nil {
		f.t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dbtest.DSN(f.t))
	if err != nil {
		f.t.Fatal(err)
	}
	cfg.User, cfg.Passwd, cfg.DBName = cred.User, pw, database
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return db
}

// TestDecommissionGivesUpOnMetadataLock: an application transaction holds a
// table of a tenant whose decommission drops its database. DROP DATABASE
// runs as the server's admin, not the migrator, and gives up after
// apply.lock_wait_timeout too (it waited a day, the application's queries
// queued behind it): the tenant fails as transient naming the holder, the
// database is kept, and the next apply drops it.
func TestDecommissionGivesUpOnMetadataLock(t *testing.T) {
	const wait = time.Second
	f, tn := convergedWithLockWait(t, wait)
	holder, err := f.db.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, q := range []string{"BEGIN", "SELECT COUNT(*) FROM `" + tn.Database + "`.members"} {
		if _, err := holder.ExecContext(f.ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer holder.ExecContext(f.ctx, "ROLLBACK")

	tn.Status = spec.StatusDecommissioned
	tn.OwnApprove.Destructive = []string{"DROP DATABASE"}
	tn.Approve.Destructive = tn.OwnApprove.Destructive
	ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
	defer cancel()
	res, err := f.reconciler(Options{}).Apply(ctx, nil)
	if err != nil && ctx.Err() != nil {
		t.Fatalf("decommission still waiting for the metadata lock after 20s (lock_wait_timeout %s): %v", wait, err)
	}
	tr := f.result(res, "acme")
	if tr.Outcome != OutcomeFailed || KindOf(tr.Err) != KindTransient {
		t.Fatalf("decommission under the lock: outcome %s, kind %s (%s); want failed, transient", tr.Outcome, KindOf(tr.Err), tr.Error)
	}
	const want = "waiting for a metadata lock held by a transaction running for "
	if n := len(tr.Statements); n == 0 || !strings.Contains(tr.Statements[n-1].Error, want) || !strings.HasPrefix(tr.Statements[n-1].SQL, "DROP DATABASE") {
		t.Errorf("statements %+v: want DROP DATABASE recorded failed with %q", tr.Statements, want)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 1 {
		t.Fatal("the database is gone while the transaction still holds it")
	}

	if _, err := holder.ExecContext(f.ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeDecommissioned {
		t.Fatalf("apply after the transaction ended: %s %s %v", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 0 {
		t.Fatal("the database survived the approved decommission")
	}
}

// convergedWithLockWait is a fixture whose apply.lock_wait_timeout is wait,
// with tenant acme applied.
func convergedWithLockWait(t *testing.T, wait time.Duration) (*fixture, *spec.Tenant) {
	f := newFixture(t)
	f.fleet.Config.Apply.LockWaitTimeout = wait
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("first apply: %s %s", tr.Outcome, tr.Error)
	}
	return f, tn
}
