package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/daemon"
)

// testKey is a 32-byte secret key.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// writeFleet writes a config directory of n tenants on the server mainDSN
// (also the dev server) whose landlord lives on llDSN; databases and users
// start with prefix.
func writeFleet(t *testing.T, n int, prefix, mainDSN, llDSN string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"strata.yaml": fmt.Sprintf("servers:\n  main:\n    dsn: %q\n  ll:\n    dsn: %q\ndefaults: { server: main }\n"+
			"database_prefix: %s\nlandlord: { server: ll, database: %sll }\ndev: { server: main }\n", mainDSN, llDSN, prefix, prefix),
		"basic/001_users.sql":          "CREATE TABLE users (\n  id INT NOT NULL AUTO_INCREMENT,\n  email VARCHAR(190) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n",
		"templates/club/template.yaml": "name: club\nversion: 1.0.0\n",
	}
	for i := range n {
		name := fmt.Sprintf("t%03d", i)
		files["tenants/"+name+"/tenant.yaml"] = "name: " + name + "\ntemplate: club\n"
	}
	for path, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

// runUntilConverged runs a daemon over dir until every tenant converged.
func runUntilConverged(t *testing.T, opts daemon.Options, n int) *daemon.Daemon {
	t.Helper()
	opts.Poll, opts.DriftInterval, opts.Backoff = time.Hour, time.Hour, 100*time.Millisecond
	if opts.SecretKey == nil {
		opts.SecretKey = testKey
	}
	d, err := daemon.New(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-ran) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		st := d.Status()
		if st.Invalid != nil {
			t.Fatalf("invalid config: %v", st.Invalid.Errors)
		}
		converged := 0
		for _, ts := range st.Tenants {
			if ts.Converged {
				converged++
			}
		}
		if len(st.Tenants) == n && converged == n {
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, ts := range d.Status().Tenants {
		if !ts.Converged && ts.Last != nil {
			t.Fatalf("the fleet of %d tenants did not converge: %s: %s", n, ts.Name, ts.Last.Error)
		}
	}
	t.Fatalf("the fleet of %d tenants did not converge", n)
	return nil
}

// A daemon rollout reads the landlord O(N): the pass is prepared once per
// commit, not once per tenant (which read every tenant's runs and baselines
// for each tenant, O(N²) rows). The landlord has a server of its own here,
// so the server's counters are the landlord's queries and rows. Measured:
// a change to every tenant of a converged fleet, at two fleet sizes.
func TestRolloutLandlordQueriesLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private mariadbd")
	}
	ll := dbtest.StartPrivate(t)
	admin := dbtest.Open(t)
	base := dbtest.Name("dq")
	t.Cleanup(func() {
		dbtest.DropDatabases(t, admin, base)
		dbtest.DropUsers(t, admin, base)
	})
	type cost struct{ questions, rows int64 }
	measure := func(n int) cost {
		prefix := fmt.Sprintf("%s_%d_", base, n)
		dir := writeFleet(t, n, prefix, dbtest.DSN(t), ll.DSN)
		runUntilConverged(t, daemon.Options{Source: daemon.DirSource(dir), Concurrency: 4}, n)
		// The measured rollout: a change for every tenant of a fleet with
		// history (runs, snapshots), as a merged PR brings.
		require.NoError(t, os.WriteFile(filepath.Join(dir, "basic", "002_notes.sql"),
			[]byte("CREATE TABLE notes (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n"), 0o644))
		q0, r0 := globalStatus(t, ll, "Questions"), globalStatus(t, ll, "Rows_sent")
		runUntilConverged(t, daemon.Options{Source: daemon.DirSource(dir), Concurrency: 4}, n)
		c := cost{globalStatus(t, ll, "Questions") - q0 - 1, globalStatus(t, ll, "Rows_sent") - r0 - 1}
		t.Logf("rollout of %d tenants: %d landlord queries (%.1f per tenant), %d rows sent (%.1f per tenant)",
			n, c.questions, float64(c.questions)/float64(n), c.rows, float64(c.rows)/float64(n))
		return c
	}
	small, large := 5, 30
	a, b := measure(small), measure(large)
	// Linear: each tenant added costs no more than an average tenant of the
	// small rollout (which also carries the fixed cost). Quadratic cost
	// grows with every tenant added.
	perTenant := func(c cost) (float64, float64) {
		return float64(c.questions) / float64(small), float64(c.rows) / float64(small)
	}
	q, r := perTenant(a)
	marginalQ := float64(b.questions-a.questions) / float64(large-small)
	marginalR := float64(b.rows-a.rows) / float64(large-small)
	t.Logf("marginal tenant: %.1f queries, %.1f rows", marginalQ, marginalR)
	assert.LessOrEqual(t, marginalQ, 1.2*q, "landlord queries grow faster than the fleet")
	assert.LessOrEqual(t, marginalR, 1.2*r, "landlord rows grow faster than the fleet")
}

// globalStatus reads a global status counter of a private server.
func globalStatus(t *testing.T, p *dbtest.Private, name string) int64 {
	t.Helper()
	db := p.Open()
	defer db.Close()
	var n string
	var v int64
	require.NoError(t, db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&n, &v))
	return v
}
