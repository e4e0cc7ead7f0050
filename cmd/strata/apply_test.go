package main

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler"
)

// TestApplyPrinterStreams: each tenant's line is printed when it finishes,
// the bar is redrawn after it with counts and an ETA, and cleared at the end.
func TestApplyPrinterStreams(t *testing.T) {
	var out, bar bytes.Buffer
	p := newApplyPrinter(&out, &bar)
	p.total = 4
	clock := p.start
	p.now = func() time.Time { return clock }
	clock = clock.Add(2 * time.Second)
	p.listen(reconciler.TenantStarted{Tenant: "a"})
	p.listen(reconciler.TenantFinished{Result: reconciler.TenantResult{Name: "a", Outcome: reconciler.OutcomeConverged, Provisioned: true}})
	require.Equal(t, "a: converged (provisioned)\n", out.String())
	require.Contains(t, bar.String(), "[#####---------------] 1/4 tenants (1 converged), ETA 6s")
	p.listen(reconciler.TenantFinished{Result: reconciler.TenantResult{Name: "b", Outcome: reconciler.OutcomeConverged}}) // in sync: no line
	p.listen(reconciler.TenantFinished{Result: reconciler.TenantResult{Name: "c", Outcome: reconciler.OutcomeFailed, Error: "boom"}})
	require.Equal(t, "a: converged (provisioned)\nc: failed (boom)\n", out.String())
	require.Contains(t, bar.String(), "3/4 tenants (2 converged, 1 failed)")
	p.finish()
	require.True(t, strings.HasSuffix(bar.String(), "\r\x1b[K"), "the bar is cleared at the end")
}

// TestApplyDrainsOnSIGTERM runs the real binary: SIGTERM while a statement
// waits for a metadata lock lets that statement finish and be recorded
// applied (not left running), skips the next, closes the run as
// interrupted and prints the summary (it printed only "context canceled").
func TestApplyDrainsOnSIGTERM(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	c.write("basic/002_more.sql", "ALTER TABLE users ADD COLUMN nick VARCHAR(20) NULL;\n")
	c.write("templates/club/002_more.sql", "ALTER TABLE members ADD COLUMN nick VARCHAR(20) NULL;\n")

	// Hold both tables' metadata locks: the first ALTER waits for them.
	db := c.database("alpha")
	tx, err := c.db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	for _, table := range []string{"users", "members"} {
		_, err := tx.Exec("SELECT COUNT(*) FROM `" + db + "`." + table)
		require.NoError(t, err)
	}
	var stdout, errOut bytes.Buffer
	cmd := exec.Command(strataBin, "apply", "--repo", c.dir)
	cmd.Stdout, cmd.Stderr = &stdout, &errOut
	require.NoError(t, cmd.Start())
	waiting := func() bool {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND state LIKE 'Waiting for table metadata lock%'", db).Scan(&n))
		return n > 0
	}
	require.Eventually(t, waiting, 20*time.Second, 20*time.Millisecond, "the ALTER never waited for the lock")
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, tx.Commit()) // the statement in flight can finish now
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 1, ee.ExitCode(), "stdout %s\nstderr %s", stdout.String(), errOut.String())
	require.Contains(t, stdout.String(), "alpha: interrupted (1 statement applied")
	require.Contains(t, stdout.String(), "Applied: 1 tenant: 1 interrupted")
	require.Contains(t, errOut.String(), "apply interrupted")

	rows, err := c.db.Query("SELECT s.outcome, r.outcome FROM `" + c.ll + "`.apply_statements s JOIN `" + c.ll + "`.apply_runs r ON r.id = s.run_id WHERE r.id = (SELECT MAX(id) FROM `" + c.ll + "`.apply_runs) ORDER BY s.seq")
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var st, run string
		require.NoError(t, rows.Scan(&st, &run))
		got = append(got, st+"/"+run)
	}
	require.Equal(t, []string{"applied/interrupted", "skipped/interrupted"}, got)

	code, out, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "alpha: converged (1 statement applied)")
}

// TestStatusIsReadOnly: strata status before the first apply says the
// landlord does not exist yet and creates nothing (it created and migrated
// the landlord database).
func TestStatusIsReadOnly(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	code, out, stderr := runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 1, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, stderr, "the landlord database "+c.ll+" does not exist yet: strata apply creates it")
	var n int
	require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", c.ll).Scan(&n))
	require.Zero(t, n, "strata status created the landlord database")
}

// TestWorktreeApplyRecordsBase: an apply from a working tree records the
// commit it is based on, marked -dirty when files differ from it (it
// recorded no commit at all).
func TestWorktreeApplyRecordsBase(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	head := c.commit("alpha")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	c.write("basic/002_more.sql", "ALTER TABLE users ADD COLUMN nick VARCHAR(20) NULL;\n")
	code, _, stderr = runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	runs := c.runs()
	require.Len(t, runs, 2)
	require.Equal(t, head, runs[0].commit)
	require.Equal(t, head+"-dirty", runs[1].commit)
}
