package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// testSecretKey is 32 bytes in hex, the STRATA_SECRET_KEY of these tests.
const testSecretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// buildRunBinary builds the real strata binary for the daemon tests.
func buildRunBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strata")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// configRepo is a Git config repo made in the test (go-git, branch main),
// for a fleet whose databases, users and landlord share a prefix unique to
// the test and are dropped when it ends.
type configRepo struct {
	t      *testing.T
	dir    string
	repo   *git.Repository
	db     *sql.DB // admin connection to the test server
	prefix string
	ll     string // landlord database
}

func newConfigRepo(t *testing.T) *configRepo {
	t.Helper()
	db := dbtest.Open(t)
	prefix := dbtest.Name("sr") + "_"
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.Main}})
	require.NoError(t, err)
	c := &configRepo{t: t, dir: dir, repo: repo, db: db, prefix: prefix, ll: prefix + "ll"}
	t.Cleanup(func() {
		dbtest.DropDatabases(t, db, prefix)
		dbtest.DropUsers(t, db, prefix)
	})
	c.write("strata.yaml", fmt.Sprintf(`servers:
  main:
    dsn: %q
defaults: { server: main }
database_prefix: %s
landlord: { server: main, database: %s }
dev: { server: main }
`, dbtest.DSN(t), prefix, c.ll))
	for _, file := range clubRepo {
		c.write(file[0], file[1])
	}
	return c
}

func (c *configRepo) write(path, content string) {
	c.t.Helper()
	p := filepath.Join(c.dir, filepath.FromSlash(path))
	require.NoError(c.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(c.t, os.WriteFile(p, []byte(content), 0o644))
}

func (c *configRepo) remove(path string) {
	c.t.Helper()
	require.NoError(c.t, os.Remove(filepath.Join(c.dir, filepath.FromSlash(path))))
}

// tenant writes tenants/<name>/tenant.yaml.
func (c *configRepo) tenant(name, extra string) {
	c.write("tenants/"+name+"/tenant.yaml", "name: "+name+"\ntemplate: club\n"+extra)
}

// commit commits every change on main and returns the commit hash.
func (c *configRepo) commit(msg string) string {
	c.t.Helper()
	wt, err := c.repo.Worktree()
	require.NoError(c.t, err)
	require.NoError(c.t, wt.AddWithOptions(&git.AddOptions{All: true}))
	h, err := wt.Commit(msg, &git.CommitOptions{All: true, Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}})
	require.NoError(c.t, err)
	return h.String()
}

func (c *configRepo) database(tenant string) string {
	return c.prefix + strings.ReplaceAll(tenant, "-", "_")
}

// columns returns "table.column" of every column of the tenant's database
// but strata's own spec.SeedsTable.
func (c *configRepo) columns(tenant string) []string {
	c.t.Helper()
	rows, err := c.db.Query("SELECT CONCAT(table_name, '.', column_name) FROM information_schema.columns WHERE table_schema = ? AND table_name <> ? ORDER BY table_name, ordinal_position", c.database(tenant), spec.SeedsTable)
	require.NoError(c.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(c.t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

// runRow is one landlord apply_runs row.
type runRow struct {
	id          int64
	tenant      string
	commit      string
	pr          int
	outcome     string
	started     time.Time
	finished    time.Time // zero while running
	createTable int       // applied CREATE TABLE statements
}

// runs returns every run in the landlord, oldest first.
func (c *configRepo) runs() []runRow {
	c.t.Helper()
	rows, err := c.db.Query("SELECT r.id, r.tenant, r.commit_sha, COALESCE(r.pr_number, 0), r.outcome, r.started_at, r.finished_at, " +
		"(SELECT COUNT(*) FROM `" + c.ll + "`.apply_statements s WHERE s.run_id = r.id AND s.outcome = 'applied' AND s.sql_text LIKE 'CREATE TABLE%') " +
		"FROM `" + c.ll + "`.apply_runs r ORDER BY r.id")
	require.NoError(c.t, err)
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		var started string
		var finished sql.NullString
		require.NoError(c.t, rows.Scan(&r.id, &r.tenant, &r.commit, &r.pr, &r.outcome, &started, &finished, &r.createTable))
		r.started, err = time.Parse(time.DateTime+".999999", started)
		require.NoError(c.t, err)
		if finished.Valid {
			r.finished, err = time.Parse(time.DateTime+".999999", finished.String)
			require.NoError(c.t, err)
		}
		out = append(out, r)
	}
	return out
}

// daemonProc is a running `strata run`.
type daemonProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
	err  error // of Wait, once done is closed
}

// startDaemon starts bin run against c with --poll 200ms, logs in JSON,
// and waits until its HTTP server listens.
func startDaemon(t *testing.T, bin string, c *configRepo, extra ...string) *daemonProc {
	t.Helper()
	return startDaemonOn(t, bin, c.dir, extra...)
}

// startDaemonOn is startDaemon on the config repo in dir.
func startDaemonOn(t *testing.T, bin, dir string, extra ...string) *daemonProc {
	t.Helper()
	args := append([]string{"run", "--repo", dir, "--cache-dir", t.TempDir(), "--poll", "200ms",
		"--retry-backoff", "200ms", "--listen", "127.0.0.1:0", "--log-format", "json", "--concurrency", "2"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "STRATA_SECRET_KEY=" + testSecretKey, "PATH=" + os.Getenv("PATH")}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &daemonProc{t: t, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.logs.WriteString(line + "\n")
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("strata run logs:\n%s", p.log())
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("strata run exited: %v\n%s", p.err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("strata run did not listen\n%s", p.log())
	}
	return p
}

func (p *daemonProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// stop sends SIGTERM and requires the daemon to exit 0 within 40s.
func (p *daemonProc) stop() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		p.t.Fatal("strata run did not stop on SIGTERM")
	}
	require.NoError(p.t, p.err, "exit status after SIGTERM")
}

func (p *daemonProc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Kill()
		<-p.done
	}
}

// get decodes GET path into v and returns the status code.
func (p *daemonProc) get(path string, v any) int {
	p.t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	if v != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(p.t, json.Unmarshal(body, v), "%s", body)
	}
	return resp.StatusCode
}

// metric returns the value of the sample line that starts with prefix.
func (p *daemonProc) metric(prefix string) string {
	p.t.Helper()
	resp, err := http.Get("http://" + p.addr + "/metrics")
	require.NoError(p.t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, prefix+" ") {
			return strings.TrimPrefix(line, prefix+" ")
		}
	}
	return ""
}

// page returns the status API page of a tenant.
func (p *daemonProc) page(name string) httpapi.TenantPage {
	p.t.Helper()
	var pg httpapi.TenantPage
	code := p.get("/api/v1/tenants/"+name, &pg)
	require.Contains(p.t, []int{200, 404}, code)
	return pg
}

// waitFor polls cond every 100ms for at most a minute.
func waitFor(t *testing.T, p *daemonProc, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		select {
		case <-p.done:
			t.Fatalf("strata run exited while waiting for %s: %v", what, p.err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("timed out waiting for %s; last state: %s", what, last)
}

// waitApplied waits until the status API shows each tenant active at commit.
func waitApplied(t *testing.T, p *daemonProc, commit string, tenants ...string) {
	t.Helper()
	for _, name := range tenants {
		waitFor(t, p, name+" active at "+commit[:8], func() (bool, string) {
			pg := p.page(name)
			if pg.Tenant == nil {
				return false, "no landlord record"
			}
			return pg.Tenant.Status == landlord.StatusActive && pg.Tenant.LastAppliedCommit == commit && pg.Tenant.LastError == "",
				fmt.Sprintf("%s at %s: %s", pg.Tenant.Status, pg.Tenant.LastAppliedCommit, pg.Tenant.LastError)
		})
	}
}

// TestRunFollowsCommits pushes the commits of a fleet's life to a running
// daemon and checks, after each, the live schemas, the landlord and the
// status API.
func TestRunFollowsCommits(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	c.tenant("beta", "")
	c0 := c.commit("two tenants")
	p := startDaemon(t, bin, c)

	// New tenants: provisioned, seeded once, recorded, served.
	waitApplied(t, p, c0, "alpha", "beta")
	assert.Equal(t, []string{"members.id", "members.name", "users.id", "users.email"}, c.columns("alpha"))
	var list httpapi.TenantList
	require.Equal(t, 200, p.get("/api/v1/tenants", &list))
	assert.Equal(t, c0, list.Commit)
	assert.True(t, list.Valid)
	assert.Equal(t, 2, list.Counts[landlord.StatusActive])
	require.Len(t, list.Tenants, 2)
	assert.Equal(t, "alpha", list.Tenants[0].Name)
	require.NotNil(t, list.Tenants[0].Daemon)
	assert.True(t, list.Tenants[0].Daemon.Converged)
	assert.Equal(t, 200, p.get("/healthz", nil))
	assert.Equal(t, 200, p.get("/readyz", nil))
	assert.Equal(t, 404, p.get("/api/v1/tenants/nobody", nil))

	// A new tenant goes first; the others are confirmed at the new commit.
	c.tenant("gamma", "")
	c1 := c.commit("add gamma")
	waitApplied(t, p, c1, "gamma", "alpha", "beta")
	assert.Equal(t, []string{"members.id", "members.name", "users.id", "users.email"}, c.columns("gamma"))
	assert.True(t, p.page("gamma").Daemon.Changed)
	assert.False(t, p.page("alpha").Daemon.Changed)

	// A module for one tenant.
	c.tenant("alpha", "modules: [events]\n")
	c2 := c.commit("alpha gets events")
	waitApplied(t, p, c2, "alpha", "beta", "gamma")
	assert.Contains(t, c.columns("alpha"), "events.title")
	assert.NotContains(t, c.columns("beta"), "events.title")

	// A custom column for one tenant.
	c.write("tenants/beta/001_nickname.sql", "ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL;\n")
	c3 := c.commit("beta: nickname")
	waitApplied(t, p, c3, "alpha", "beta", "gamma")
	assert.Contains(t, c.columns("beta"), "members.nickname")
	assert.NotContains(t, c.columns("alpha"), "members.nickname")
	pg := p.page("beta")
	require.NotEmpty(t, pg.History)
	assert.Equal(t, c3, pg.History[0].Commit)
	require.Len(t, pg.History[0].Statements, 1)
	assert.Contains(t, pg.History[0].Statements[0].SQL, "nickname")
	assert.Equal(t, landlord.StatementApplied, pg.History[0].Statements[0].Outcome)
	require.NotNil(t, pg.Snapshot)
	assert.Equal(t, pg.Tenant.LiveHash, pg.Snapshot.Hash)

	// An invalid commit is reported and never applied.
	c.tenant("gamma", "modules: [events\n")
	c4 := c.commit("broken yaml")
	waitFor(t, p, "the invalid commit reported", func() (bool, string) {
		var l httpapi.TenantList
		p.get("/api/v1/tenants", &l)
		return !l.Valid && l.Invalid != nil && l.Invalid.Commit == c4, fmt.Sprintf("valid=%v invalid=%+v", l.Valid, l.Invalid)
	})
	require.Equal(t, 200, p.get("/api/v1/tenants", &list))
	assert.Equal(t, c3, list.Commit, "the last valid commit stays applied")
	require.NotEmpty(t, list.Invalid.Errors)
	assert.Contains(t, list.Invalid.Errors[0], "tenants/gamma/tenant.yaml:")
	assert.Equal(t, "0", p.metric("strata_config_valid"))
	assert.Equal(t, "1", p.metric("strata_config_invalid_commits_total"))
	for _, r := range c.runs() {
		assert.NotEqual(t, c4, r.commit, "run %d applied the invalid commit", r.id)
	}
	assert.Equal(t, 200, p.get("/readyz", nil), "an invalid commit does not make the daemon unready")

	// The fix, with an unapproved drop: beta is blocked, the column stays.
	c.tenant("gamma", "")
	c.remove("tenants/beta/001_nickname.sql")
	c5 := c.commit("fix yaml; beta drops nickname")
	waitApplied(t, p, c5, "alpha", "gamma")
	waitFor(t, p, "beta blocked", func() (bool, string) {
		pg := p.page("beta")
		return pg.Tenant.LastAttemptedCommit == c5 && pg.Daemon.Class == "blocked", fmt.Sprintf("%s %s %s", pg.Tenant.LastAttemptedCommit, pg.Daemon.Class, pg.Tenant.LastError)
	})
	pg = p.page("beta")
	assert.Equal(t, "blocked: DROP COLUMN members.nickname awaits approval", pg.Tenant.LastError)
	assert.Equal(t, c3, pg.Tenant.LastAppliedCommit)
	assert.Equal(t, landlord.RunBlocked, pg.History[0].Outcome)
	assert.Contains(t, c.columns("beta"), "members.nickname")
	assert.Equal(t, "1", p.metric("strata_config_valid"))
	assert.Equal(t, "1", p.metric(`strata_tenants_waiting{class="blocked"}`))

	// Its approval, merged as PR #42: the drop runs and history names the PR.
	c.tenant("beta", "approve: { destructive: [\"DROP COLUMN members.nickname\"] }\n")
	c6 := c.commit("Merge pull request #42 from org/drop-nickname\n\nApprove the drop")
	waitApplied(t, p, c6, "beta", "alpha", "gamma")
	assert.NotContains(t, c.columns("beta"), "members.nickname")
	pg = p.page("beta")
	assert.Equal(t, 42, pg.History[0].PR)
	assert.Equal(t, c6, pg.History[0].Commit)
	// The column's values are archived first (archive.retention defaults to 7d).
	require.Len(t, pg.History[0].Statements, 2)
	assert.Contains(t, pg.History[0].Statements[0].SQL, "CREATE OR REPLACE TABLE `_strata_archive_")
	assert.Contains(t, pg.History[0].Statements[1].SQL, "DROP COLUMN")
	assert.Equal(t, "0", p.metric(`strata_tenants_waiting{class="blocked"}`))
	assert.Equal(t, "1", p.metric(fmt.Sprintf(`strata_applied_commit_info{commit=%q,pr="42"}`, c6)))

	// Every table was created exactly once, every seed ran once.
	created := map[string]int{}
	for _, r := range c.runs() {
		created[r.tenant] += r.createTable
	}
	assert.Equal(t, map[string]int{"alpha": 3, "beta": 2, "gamma": 2}, created)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(name)+"`.users").Scan(&n))
		assert.Equal(t, 1, n, "seed rows of %s", name)
	}

	// SIGTERM: exit 0, nothing left running.
	p.stop()
	for _, r := range c.runs() {
		assert.True(t, !r.finished.IsZero() && r.outcome != landlord.RunRunning, "run %d of %s: %s", r.id, r.tenant, r.outcome)
	}
}

// TestRunKilledMidRolloutConverges holds a metadata lock on one tenant's
// table so its ALTER hangs, shows the other tenants converge meanwhile,
// SIGKILLs the daemon with that tenant's run open, and shows a restart
// closes the run as interrupted, converges, and repeats no work or seed.
func TestRunKilledMidRolloutConverges(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	for _, n := range []string{"t1", "t2", "t3"} {
		c.tenant(n, "")
	}
	c0 := c.commit("three tenants")
	p := startDaemon(t, bin, c)
	waitApplied(t, p, c0, "t1", "t2", "t3")

	// Hold t2's members table: the ALTER of the next commit waits for it.
	ctx := context.Background()
	hold, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer hold.Close()
	tx, err := hold.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.Exec("SELECT COUNT(*) FROM `" + c.database("t2") + "`.members")
	require.NoError(t, err)

	c.write("templates/club/002_phone.sql", "ALTER TABLE members ADD COLUMN phone VARCHAR(30) NULL;\n")
	c1 := c.commit("members get a phone")
	waitApplied(t, p, c1, "t1", "t3") // a stuck tenant holds up no one
	var stuck runRow
	waitFor(t, p, "t2's run open at c1", func() (bool, string) {
		for _, r := range c.runs() {
			if r.tenant == "t2" && r.commit == c1 && r.outcome == landlord.RunRunning {
				stuck = r
				return true, ""
			}
		}
		return false, "no running run"
	})
	assert.True(t, p.page("t2").Daemon.InFlight)

	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	require.NoError(t, tx.Rollback())
	// The killed daemon's ALTER may still finish server-side: let it end
	// before the restart plans t2.
	waitFor(t, p2dummy(t), "the orphaned ALTER to end", func() (bool, string) {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND info LIKE 'ALTER TABLE%'", c.database("t2")).Scan(&n))
		return n == 0, fmt.Sprintf("%d ALTERs running", n)
	})
	for _, r := range c.runs() {
		if r.id == stuck.id {
			require.Equal(t, landlord.RunRunning, r.outcome, "the killed run is left open")
		}
	}

	p = startDaemon(t, bin, c)
	waitApplied(t, p, c1, "t1", "t2", "t3")
	assert.Contains(t, c.columns("t2"), "members.phone")
	perTenantAtC1 := map[string]int{}
	for _, r := range c.runs() {
		assert.False(t, r.finished.IsZero(), "run %d of %s still open: %s", r.id, r.tenant, r.outcome)
		assert.NotEqual(t, landlord.RunRunning, r.outcome, "run %d of %s", r.id, r.tenant)
		if r.id == stuck.id {
			assert.Equal(t, "interrupted", r.outcome)
		}
		if r.commit == c1 && r.id != stuck.id {
			perTenantAtC1[r.tenant]++
		}
	}
	// The restart did not redo t1 and t3 (the landlord shows them done). The
	// killed ALTER of t2 may still have finished on the server after the kill:
	// then the restart finds t2 in sync and records no new run; otherwise it
	// applies t2 once.
	assert.LessOrEqual(t, perTenantAtC1["t2"], 1, "runs of t2 after the restart")
	delete(perTenantAtC1, "t2")
	assert.Equal(t, map[string]int{"t1": 1, "t3": 1}, perTenantAtC1)
	// The metric is counted when the worker reports back, just after the
	// landlord recorded the tenant: wait for it, do not race it.
	waitFor(t, p, "the closed run counted", func() (bool, string) {
		v := p.metric("strata_interrupted_runs_closed_total")
		return v == "1", "strata_interrupted_runs_closed_total " + v
	})
	for _, n := range []string{"t1", "t2", "t3"} {
		var rows, seeds int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(n)+"`.users").Scan(&rows))
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.seed_runs WHERE tenant = ?", n).Scan(&seeds))
		assert.Equal(t, 1, rows, "seed rows of %s", n)
		assert.Equal(t, 1, seeds, "seed runs of %s", n)
	}
}

// p2dummy is a daemonProc that never exits, for waitFor without a daemon.
func p2dummy(t *testing.T) *daemonProc {
	return &daemonProc{t: t, done: make(chan struct{})}
}

// TestRunTwoDaemonsApplyOnce starts two daemons on the same fleet at once:
// per-tenant locks and the landlord keep every tenant applied once, and no
// two runs of a tenant overlap. Then two shards split the tenants.
func TestRunTwoDaemonsApplyOnce(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	names := []string{"ant", "bee", "cat", "dog"}
	for _, n := range names {
		c.tenant(n, "")
	}
	c0 := c.commit("four tenants")
	a := startDaemon(t, bin, c)
	b := startDaemon(t, bin, c)
	waitApplied(t, a, c0, names...)
	waitApplied(t, b, c0, names...)
	byTenant := map[string][]runRow{}
	for _, r := range c.runs() {
		byTenant[r.tenant] = append(byTenant[r.tenant], r)
	}
	for _, n := range names {
		created := 0
		for i, r := range byTenant[n] {
			created += r.createTable
			assert.Equal(t, landlord.RunConverged, r.outcome)
			if i > 0 { // runs of one tenant never overlap
				assert.False(t, r.started.Before(byTenant[n][i-1].finished), "runs %d and %d of %s overlap", byTenant[n][i-1].id, r.id, n)
			}
		}
		assert.Equal(t, 2, created, "CREATE TABLEs applied to %s", n)
		var rows int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(n)+"`.users").Scan(&rows))
		assert.Equal(t, 1, rows, "seed rows of %s", n)
	}
	a.kill()
	b.kill()

	// Shards: each replica owns a disjoint part, together all of them.
	c.write("templates/club/002_phone.sql", "ALTER TABLE members ADD COLUMN phone VARCHAR(30) NULL;\n")
	c1 := c.commit("phone")
	s0 := startDaemon(t, bin, c, "--shard", "0/2")
	s1 := startDaemon(t, bin, c, "--shard", "1/2")
	owned := map[string]string{}
	for _, s := range []*daemonProc{s0, s1} {
		var l httpapi.TenantList
		waitFor(t, s, "a loaded fleet", func() (bool, string) {
			s.get("/api/v1/tenants", &l)
			return l.Commit == c1, l.Commit
		})
		for _, e := range l.Tenants {
			if e.Daemon != nil {
				assert.Empty(t, owned[e.Name], "%s owned twice", e.Name)
				owned[e.Name] = l.Shard
			}
		}
	}
	assert.Len(t, owned, len(names))
	waitApplied(t, s0, c1, names...)
	for _, n := range names {
		assert.Contains(t, c.columns(n), "members.phone")
	}
	// The landlord's history: each tenant applied once at c1, by its shard alone.
	perTenant := map[string]int{}
	for _, r := range c.runs() {
		if r.commit == c1 {
			perTenant[r.tenant]++
			assert.Equal(t, landlord.RunConverged, r.outcome, "run %d of %s", r.id, r.tenant)
		}
	}
	for _, n := range names {
		var alters int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.apply_statements s JOIN `"+c.ll+"`.apply_runs r ON r.id = s.run_id "+
			"WHERE r.tenant = ? AND s.outcome = 'applied' AND s.sql_text LIKE '%phone%'", n).Scan(&alters))
		assert.Equal(t, 1, perTenant[n], "runs of %s at the phone commit", n)
		assert.Equal(t, 1, alters, "phone ALTERs applied to %s", n)
	}
}
