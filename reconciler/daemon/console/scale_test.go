package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/daemon/console"
	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// envScaleTenants sets the fleet size of TestFleetPageAtScale: 1,000 in
// make test (loading a 10,000-tenant repo takes strata's spec loader ~25s,
// twice), 10000 to measure the console's target.
const envScaleTenants = "STRATA_CONSOLE_TENANTS"

// memSource serves one commit of a config repo.
type memSource struct{ snap source.Snapshot }

func (m memSource) Sync(context.Context) (source.Snapshot, error) { return m.snap, nil }

// scaleFleet is a running daemon over a fleet of n tenants recorded in the
// landlord, a failed and a drifted one in every hundred, a run each, and
// every one paused (a hold), so the daemon touches none: what is measured
// is the console reading the daemon and the landlord, not applies.
func scaleFleet(t testing.TB, n int) *daemon.Daemon {
	began := time.Now()
	db := dbtest.Open(t)
	prefix := dbtest.Name("cs") + "_"
	ll := prefix + "ll"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	files := fstest.MapFS{
		"strata.yaml":                    {Data: []byte(fmt.Sprintf("servers:\n  main:\n    dsn: %q\ndefaults: { server: main }\ndatabase_prefix: %s\nlandlord: { server: main, database: %s }\ndev: { server: main }\n", dbtest.DSN(t), prefix, ll))},
		"basic/001_users.sql":            {Data: []byte("CREATE TABLE users (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n")},
		"templates/club/template.yaml":   {Data: []byte("name: club\nversion: 1.0.0\nmodules: { optional: [events] }\n")},
		"templates/club/001_members.sql": {Data: []byte("CREATE TABLE members (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n")},
		"modules/events/module.yaml":     {Data: []byte("name: events\n")},
		"modules/events/001_events.sql":  {Data: []byte("CREATE TABLE events (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n")},
	}
	for i := range n {
		name := fmt.Sprintf("t%05d", i)
		extra := fmt.Sprintf("wave: %d\nlabels: { tier: %s }\n", i%3, []string{"gold", "free"}[i%2])
		if i%4 == 0 {
			extra += "modules: [events]\n"
		}
		files["tenants/"+name+"/tenant.yaml"] = &fstest.MapFile{Data: []byte("name: " + name + "\ntemplate: club\n" + extra)}
	}
	const commit = "c0ffee0000000000000000000000000000000000"
	// On disk: fstest.MapFS lists a directory by scanning every file, which
	// makes loading 10,000 tenants quadratic.
	dir := t.TempDir()
	for name, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
	}
	repo := os.DirFS(dir)
	t.Logf("%v written", time.Since(began))
	fleet, err := spec.Load(repo)
	require.NoError(t, err)
	t.Logf("%v loaded", time.Since(began))

	store, err := landlord.Open(dbtest.DSN(t), ll)
	require.NoError(t, err)
	defer store.Close()
	ctx := context.Background()
	require.NoError(t, store.Migrate(ctx, layers.New(db, "utf8mb4", "utf8mb4_unicode_ci"), "utf8mb4", "utf8mb4_unicode_ci", 0))
	var tenants, runs, drift, holds []string
	for i, tn := range fleet.Tenants {
		status, lastErr := "active", "NULL"
		switch {
		case i%100 == 1:
			status, lastErr = "failed", "'statement 1 of 1 failed: Duplicate entry'"
		case i%100 == 2:
			status = "drifted"
			drift = append(drift, fmt.Sprintf("('%s', UTC_TIMESTAMP(6), 'medium', 5, 'x', '', '')", tn.Name))
		}
		tenants = append(tenants, fmt.Sprintf("('%s', '%s', 'main', '%s', 'club', '1.0.0', '%s', '%s', '%s', '%s', %s, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
			tn.Name, tn.Database, status, strings.Join(tn.Modules, ","), tn.LayerHash(), commit, commit, lastErr))
		runs = append(runs, fmt.Sprintf("('%s', '%s', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'converged')", tn.Name, commit))
		holds = append(holds, fmt.Sprintf("('%s', 'scale test', UTC_TIMESTAMP(6))", tn.Name))
	}
	insert := func(head string, rows []string) {
		for len(rows) > 0 {
			k := min(len(rows), 1000)
			_, err := db.Exec(head + strings.Join(rows[:k], ", "))
			require.NoError(t, err)
			rows = rows[k:]
		}
	}
	insert("INSERT INTO `"+ll+"`.tenants (name, database_name, server, status, template, template_version, modules, desired_hash, "+
		"last_applied_commit, last_attempted_commit, last_error, created_at, updated_at, last_applied_at) VALUES ", tenants)
	insert("INSERT INTO `"+ll+"`.apply_runs (tenant, commit_sha, started_at, finished_at, outcome) VALUES ", runs)
	insert("INSERT INTO `"+ll+"`.holds (tenant, held_by, created_at) VALUES ", holds)
	insert("INSERT INTO `"+ll+"`.drift_detections (tenant, detected_at, severity, score, live_fingerprint, baseline_fingerprint, schema_ddl) VALUES ", drift)

	t.Logf("%v recorded", time.Since(began))
	d, err := daemon.New(daemon.Options{Source: memSource{source.Snapshot{Commit: commit, FS: repo}}, Concurrency: 8})
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- d.Run(rctx) }()
	t.Cleanup(func() { stop(); <-done })
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st := d.Status()
		held := 0
		for _, ts := range st.Tenants {
			require.False(t, ts.InFlight || ts.Last != nil, "the daemon worked on paused tenant %s", ts.Name)
			if ts.Hold != nil {
				held++
			}
		}
		if held == n && d.Landlord() != nil {
			t.Logf("%v daemon ready", time.Since(began))
			return d
		}
		require.True(t, time.Now().Before(deadline), "the daemon knows %d of %d tenants paused", held, n)
		time.Sleep(200 * time.Millisecond)
	}
}

// median runs h on a GET of path k times and returns the median duration.
func median(t testing.TB, h http.Handler, path string, k int) time.Duration {
	var ds []time.Duration
	for range k {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		ds = append(ds, time.Since(start))
		require.Equal(t, 200, rec.Code, "%s: %.300s", path, rec.Body.String())
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// TestFleetPageAtScale measures the fleet page over a fleet in the daemon
// and the landlord (STRATA_CONSOLE_TENANTS=10000 for the target size)
// against the JSON list of the same fleet, in the same run, and requires
// the page under a second.
func TestFleetPageAtScale(t *testing.T) {
	n := 1000
	if v := os.Getenv(envScaleTenants); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, envScaleTenants)
	}
	require.GreaterOrEqual(t, n, 1000, "the checks below count tenants in hundreds")
	d := scaleFleet(t, n)
	page := console.New(d, console.Options{})
	api := httpapi.New(d, httpapi.Options{})

	rec := httptest.NewRecorder()
	page.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?status=failed&label=tier%3Dfree&sort=applied&dir=desc", nil))
	require.Equal(t, 200, rec.Code)
	body := rec.Body.String()
	third := `id="rollout"`
	for _, want := range []string{fmt.Sprintf("<b>%d</b> paused", n), fmt.Sprintf("<b>%d</b> failed", n/100),
		fmt.Sprintf("<b>%d</b> drift medium", n/100), fmt.Sprintf("%d of %d tenants · page 1 of %d", n/100, n, (n/100+49)/50), third} {
		require.True(t, strings.Contains(body, want), "the fleet page lacks %q", want)
	}

	const k = 7
	fleet := median(t, page, "/", k)
	filtered := median(t, page, "/?label=tier%3Dfree&module=events&sort=drift&dir=desc&page=3", k)
	tenant := median(t, page, "/tenants/t00042", k)
	list := median(t, api, "/api/v1/tenants", k)
	t.Logf("%d tenants, median of %d: fleet page %v, filtered+sorted page %v, tenant page %v; JSON list %v; "+
		"fleet page / JSON list = %.2f, filtered / JSON list = %.2f",
		n, k, fleet, filtered, tenant, list, float64(fleet)/float64(list), float64(filtered)/float64(list))
	require.Less(t, fleet, time.Second, "the fleet page of %d tenants", n)
	require.Less(t, filtered, time.Second, "a filtered, sorted page of %d tenants", n)
}
