package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

// recovers checks what must hold after any fault, once strata runs again:
// every tenant converges on the next apply (its live schema is the desired
// one), no run stays running, every statement that changed a tenant is
// recorded, every seed ran exactly once, and every stored password still
// decrypts and logs in.
func (f *faultFleet) recovers(t *testing.T) {
	t.Helper()
	began := time.Now()
	s := f.start()
	code := s.wait(t, 2*time.Minute)
	f.took = time.Since(began)
	if code != 0 {
		t.Fatalf("the apply after the fault exited %d\nstdout %s\nstderr %s", code, s.out.String(), s.err.String())
	}
	f.holds(t)
}

// holds checks what recovers checks, without running strata first.
func (f *faultFleet) holds(t *testing.T) {
	t.Helper()
	want := map[bool]string{false: f.reference(false), true: f.reference(true)}
	for _, n := range f.names() {
		live, err := snapshot.Take(t.Context(), f.db, f.database(n))
		require.NoError(t, err)
		require.Equal(t, want[f.tenants[n]], live.DDL, "tenant %s: live schema is not the desired one", n)
	}
	require.Zero(t, f.count("SELECT COUNT(*) FROM "+f.ll+".apply_runs WHERE outcome = ?", landlord.RunRunning), "runs left running")
	f.everyChangeRecorded(t)
	for _, n := range f.names() {
		db := f.database(n)
		require.Equal(t, 1, f.count("SELECT COUNT(*) FROM "+db+".users WHERE email = ?", "admin@"+n), "tenant %s: seed rows", n)
		require.Equal(t, 1, f.count("SELECT COUNT(*) FROM "+f.ll+".seed_runs WHERE tenant = ?", n), "tenant %s: seeds recorded", n)
		require.Equal(t, 1, f.count("SELECT COUNT(*) FROM "+db+"."+spec.SeedsTable), "tenant %s: seed markers", n)
	}
	f.passwordsWork(t)
}

// everyChangeRecorded: every live column of every tenant appears, with its
// table, in a statement recorded for that tenant that ran (applied, failed,
// or still running when strata died): no DDL ran unrecorded.
func (f *faultFleet) everyChangeRecorded(t *testing.T) {
	t.Helper()
	for _, n := range f.names() {
		rows, err := f.db.QueryContext(t.Context(), `SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c
WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME <> ? AND NOT EXISTS (
  SELECT 1 FROM `+f.ll+`.apply_statements s JOIN `+f.ll+`.apply_runs r ON r.id = s.run_id
  WHERE r.tenant = ? AND s.outcome NOT IN (?, ?)
    AND LOCATE(CONCAT('`+"`"+`', c.TABLE_NAME, '`+"`"+`'), s.sql_text) > 0
    AND LOCATE(CONCAT('`+"`"+`', c.COLUMN_NAME, '`+"`"+`'), s.sql_text) > 0)`,
			f.database(n), spec.SeedsTable, n, landlord.StatementSkipped, landlord.StatementBlocked)
		require.NoError(t, err)
		var missing []string
		for rows.Next() {
			var tbl, col string
			require.NoError(t, rows.Scan(&tbl, &col))
			missing = append(missing, tbl+"."+col)
		}
		require.NoError(t, rows.Close())
		require.Empty(t, missing, "tenant %s: columns made by no recorded statement", n)
	}
}

// passwordsWork: the app user's DSN from `strata credentials` and the
// migrator's sealed password both log in to the tenant's database.
func (f *faultFleet) passwordsWork(t *testing.T) {
	t.Helper()
	key, err := secret.ParseKey(testSecretKey)
	require.NoError(t, err)
	box, err := secret.NewBox(key)
	require.NoError(t, err)
	for _, n := range f.names() {
		code, out, stderr := runBin(t, "credentials", "--repo", f.dir, n)
		require.Equal(t, 0, code, "strata credentials %s: %s", n, stderr)
		loginAndRead(t, strings.TrimSpace(out), n, "app")

		var user, sealed string
		require.NoError(t, f.db.QueryRowContext(t.Context(), "SELECT user_name, sealed FROM "+f.ll+".credentials WHERE tenant = ? AND role = ?",
			n, landlord.RoleMigrator).Scan(&user, &sealed))
		pw, err := box.Open(sealed, "strata/"+n+"/"+string(landlord.RoleMigrator))
		require.NoError(t, err, "tenant %s: the migrator's password does not decrypt", n)
		cfg, err := mysql.ParseDSN(f.srv.DSN)
		require.NoError(t, err)
		cfg.User, cfg.Passwd, cfg.DBName = user, pw, f.database(n)
		loginAndRead(t, cfg.FormatDSN(), n, "migrator")
	}
}

func loginAndRead(t *testing.T, dsn, tenant, role string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n), "tenant %s: the %s user cannot log in and read", tenant, role)
}
