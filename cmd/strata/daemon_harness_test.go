package main

// The harness of the daemon tests: a config repo in Git, the real strata
// binary running as `strata run`, and waits on what its status API reports.

import (
	"bufio"
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

// p2dummy is a daemonProc that never exits, for waitFor without a daemon.
func p2dummy(t *testing.T) *daemonProc {
	return &daemonProc{t: t, done: make(chan struct{})}
}
