package main

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/reconciler/landlord"
)

// daemon starts `strata run --watch` on the fleet's directory.
func (f *faultFleet) daemon(t *testing.T) *daemonProc {
	t.Helper()
	return startDaemonOn(t, strataBin, f.dir, "--watch")
}

// daemonConverges waits, at most limit, until the running daemons have
// brought every tenant to its desired schema, seeded it and closed every
// run, with nothing else running strata: the daemons recover from the fault
// by themselves. Each must then report ready and exit 0 on SIGTERM; then
// everything recovers checks must hold.
func (f *faultFleet) daemonConverges(t *testing.T, limit time.Duration, daemons ...*daemonProc) {
	t.Helper()
	want := map[bool]string{false: f.reference(false), true: f.reference(true)}
	began := time.Now()
	for pending := f.pending(want); pending != ""; pending = f.pending(want) {
		if time.Since(began) > limit {
			t.Fatalf("the daemon did not converge the fleet within %s: %s", limit, pending)
		}
		for _, p := range daemons {
			select {
			case <-p.done:
				t.Fatalf("strata run exited: %v", p.err)
			default:
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("the fleet converged %s after the fault", time.Since(began).Round(time.Millisecond))
	for _, p := range daemons {
		waitFor(t, p, "the daemon to report ready", func() (bool, string) {
			code := p.get("/readyz", nil)
			return code == 200, fmt.Sprint("/readyz ", code)
		})
		p.stop()
	}
	f.holds(t)
}

// pending says what keeps the fleet from being converged (a tenant's
// schema or seed, or an open run), "" when nothing does.
func (f *faultFleet) pending(want map[bool]string) string {
	for _, n := range f.names() {
		live, err := snapshot.Take(f.t.Context(), f.db, f.database(n))
		switch {
		case err != nil:
			return fmt.Sprintf("tenant %s: %v", n, err)
		case live.DDL != want[f.tenants[n]]:
			return "tenant " + n + ": live schema is not the desired one"
		case f.count("SELECT COUNT(*) FROM "+f.ll+".seed_runs WHERE tenant = ?", n) != 1:
			return "tenant " + n + ": seed not recorded"
		}
	}
	if n := f.count("SELECT COUNT(*) FROM "+f.ll+".apply_runs WHERE outcome = ?", landlord.RunRunning); n != 0 {
		return fmt.Sprintf("%d runs running", n)
	}
	return ""
}

// appliedOnce checks that the rollout of the last change ran exactly once
// in every tenant, whoever ran it.
func (f *faultFleet) appliedOnce(t *testing.T) {
	t.Helper()
	for _, n := range f.names() {
		require.Equal(t, 1, f.count("SELECT COUNT(*) FROM "+f.ll+".apply_statements s JOIN "+f.ll+".apply_runs r ON r.id = s.run_id "+
			"WHERE r.tenant = ? AND s.outcome = ? AND s.sql_text LIKE ?", n, landlord.StatementApplied, fmt.Sprintf("CREATE TABLE `gen%d`%%", f.gen)),
			"tenant %s: rollout %d applied other than once", n, f.gen)
	}
}

// holdTable opens a transaction that reads tenant's table, so a schema
// change of it waits for the metadata lock; the connection is returned.
func (f *faultFleet) holdTable(t *testing.T, tenant, table string) *sql.Conn {
	t.Helper()
	conn, err := f.db.Conn(t.Context())
	require.NoError(t, err)
	for _, q := range []string{"BEGIN", "SELECT COUNT(*) FROM " + f.database(tenant) + "." + table} {
		_, err := conn.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	return conn
}
