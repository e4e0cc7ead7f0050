package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSeedKilledBeforeRecorded: strata is SIGKILLed, its connections
// dropped, after a seed committed in the tenant database and before the
// landlord recorded it (another session holds the landlord's seed_runs
// locked). The next apply records the seed and does not run it again: its
// row exists once.
func TestSeedKilledBeforeRecorded(t *testing.T) {
	c := newConfigRepo(t)
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	c.tenant("warm", "")
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr) // the landlord exists before its table is locked
	c.tenant("acme", "")

	seeded := "SELECT COUNT(*) FROM `" + c.database("acme") + "`.users"
	killWhileRecordingSeed(t, c.db, c.ll, func() func() {
		cmd := exec.Command(strataBin, "apply", "--repo", c.dir, "--tenant", "acme")
		cmd.Env = os.Environ()
		require.NoError(t, cmd.Start())
		return func() {
			require.Equal(t, 1, countOrZero(c, seeded), "the seed has not committed")
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	for range 2 {
		code, out, stderr := runBin(t, "apply", "--repo", c.dir, "--tenant", "acme")
		require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
		require.Equal(t, 1, countOrZero(c, seeded), "the seed ran again")
	}
	require.Equal(t, 1, countOrZero(c, "SELECT COUNT(*) FROM `"+c.ll+"`.seed_runs WHERE tenant = 'acme'"))
	require.Equal(t, 0, countOrZero(c, "SELECT COUNT(*) FROM `"+c.ll+"`.apply_runs WHERE outcome = 'running'"))
}

// killWhileRecordingSeed holds landlord ll's seed_runs locked on db, calls
// start (which starts an apply that runs a seed and returns what kills it),
// and once the apply waits to record the seed (so the seed has committed)
// kills it and drops its waiting connection, as a crashed host's would be
// (else the server would finish the dead process's INSERT once the lock is
// released). Then it releases the lock.
func killWhileRecordingSeed(t *testing.T, db *sql.DB, ll string, start func() (kill func())) {
	t.Helper()
	holder, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer holder.Close()
	for _, q := range []string{"BEGIN", "SELECT * FROM `" + ll + "`.seed_runs FOR UPDATE"} {
		_, err := holder.ExecContext(t.Context(), q)
		require.NoError(t, err)
	}
	kill := start()
	var pending []int64
	for deadline := time.Now().Add(time.Minute); len(pending) == 0; {
		require.True(t, time.Now().Before(deadline), "strata never tried to record the seed")
		time.Sleep(10 * time.Millisecond)
		pending = recordingSeed(t, db, ll)
	}
	kill()
	for _, id := range pending {
		_, err := db.Exec(fmt.Sprintf("KILL %d", id))
		require.NoError(t, err)
	}
	_, err = holder.ExecContext(t.Context(), "ROLLBACK")
	require.NoError(t, err)
}

// recordingSeed returns the server connections inserting into landlord ll's seed_runs.
func recordingSeed(t *testing.T, db *sql.DB, ll string) []int64 {
	rows, err := db.Query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ?", "INSERT INTO `"+ll+"`.`seed_runs`%")
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	return ids
}

// countOrZero runs a COUNT query on c's server; 0 when it fails (a table
// not created yet).
func countOrZero(c *configRepo, q string) int {
	var n int
	if err := c.db.QueryRow(q).Scan(&n); err != nil {
		return 0
	}
	return n
}
