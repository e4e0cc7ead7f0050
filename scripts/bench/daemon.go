package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// daemonRun is one commit converged by one or more `strata run` replicas.
type daemonRun struct {
	replicas int
	took     time.Duration // from the commit until the replicas have applied every tenant
	queries  float64       // statements the server received per tenant meanwhile
	rowsRead float64       // landlord rows read per tenant meanwhile (userstat)
	applied  int           // tenants recorded at the commit, each by exactly one run
}

// measureDaemon (bench-scale) turns the fleet's repo into a Git repository
// that the daemon pulls, then times two commits that add a column to every
// tenant: the first converged by one `strata run`, the second by two
// replicas with --shard 0/2 and 1/2. A commit is timed until the replicas
// have applied every tenant (their strata_reconciles_total); then every
// tenant's landlord record must be at it, with exactly one run for it (none
// applied twice, none missed). The server's statement count and
// the landlord rows read per tenant show whether the daemon's cost per tenant
// grows with the fleet.
func (f *fleet) measureDaemon(ctx context.Context, cfg config, rep *report, _ peerTimes) error {
	if _, err := f.git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	if _, err := f.commit("the fleet as the CLI left it"); err != nil {
		return err
	}
	for i, replicas := range []int{1, 2} {
		r, err := f.daemonCommit(ctx, cfg, i, replicas)
		if err != nil {
			return err
		}
		rep.daemon = append(rep.daemon, r)
		slog.Info("daemon measured", "tenants", rep.n, "replicas", replicas, "took", r.took, "queries_per_tenant", r.queries, "landlord_rows_read_per_tenant", r.rowsRead)
	}
	return nil
}

// daemonCommit starts replicas (sharded when more than one), waits until
// their first pass over the repo's current commit is done, then commits a
// column for every tenant and times its convergence.
func (f *fleet) daemonCommit(ctx context.Context, cfg config, seq, replicas int) (r daemonRun, err error) {
	r.replicas = replicas
	var procs []*daemonProc
	defer func() {
		for _, p := range procs {
			err = errors.Join(err, p.stop())
		}
	}()
	for i := range replicas {
		shard := ""
		if replicas > 1 {
			shard = fmt.Sprintf("%d/%d", i, replicas)
		}
		p, err := f.startDaemon(ctx, cfg, shard)
		if err != nil {
			return r, err
		}
		procs = append(procs, p)
	}
	// The replicas first converge the commit the fleet is at (a no-op pass).
	passed, err := waitReconciled(ctx, procs, float64(f.n), time.Now().Add(30*time.Minute), "the first pass")
	if err != nil {
		return r, err
	}
	if _, err := f.db.ExecContext(ctx, "SET GLOBAL userstat = 1"); err != nil {
		return r, fmt.Errorf("bench: userstat: %w", err)
	}
	if _, err := f.db.ExecContext(ctx, "FLUSH TABLE_STATISTICS"); err != nil {
		return r, fmt.Errorf("bench: userstat: %w", err)
	}
	questions, err := f.statusInt(ctx, "Questions")
	if err != nil {
		return r, err
	}
	col := fmt.Sprintf("bench_daemon_%d", seq)
	ddl := fmt.Sprintf("ALTER TABLE users ADD COLUMN %s VARCHAR(64) NULL;\n", col)
	if err := os.WriteFile(filepath.Join(f.dir, "basic", fmt.Sprintf("91%d_%s.sql", seq, col)), []byte(ddl), 0o644); err != nil {
		return r, fmt.Errorf("bench: %w", err)
	}
	start := time.Now()
	sha, err := f.commit("add " + col + " to every tenant")
	if err != nil {
		return r, err
	}
	deadline := start.Add(time.Duration(f.n) * 100 * time.Millisecond)
	if _, err := waitReconciled(ctx, procs, passed+float64(f.n), deadline, "commit "+sha); err != nil {
		return r, err
	}
	r.took = time.Since(start)
	after, err := f.statusInt(ctx, "Questions")
	if err != nil {
		return r, err
	}
	r.queries = float64(after-questions) / float64(f.n)
	var rows sql.NullInt64
	if err := f.db.QueryRowContext(ctx, "SELECT SUM(ROWS_READ) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?", f.prefix+"ll").Scan(&rows); err != nil {
		return r, fmt.Errorf("bench: userstat: %w", err)
	}
	r.rowsRead = float64(rows.Int64) / float64(f.n)
	if err := f.waitConverged(ctx, sha, procs, deadline); err != nil {
		return r, err
	}
	r.applied, err = f.appliedOnce(ctx, sha)
	return r, err
}

// waitReconciled waits until the replicas have applied want tenants between
// them (strata_reconciles_total, every outcome) and returns their count;
// the landlord is not read meanwhile, so its rows read are the daemon's
// alone. what names the wait in the error past deadline.
func waitReconciled(ctx context.Context, procs []*daemonProc, want float64, deadline time.Time, what string) (float64, error) {
	for {
		total := 0.0
		for _, p := range procs {
			if p.exited() {
				return 0, fmt.Errorf("bench: strata run exited:\n%s", p.tail())
			}
			body, _ := p.metrics(ctx)
			total += reconcilesTotal(body)
		}
		switch {
		case total >= want:
			return total, nil
		case time.Now().After(deadline):
			return total, fmt.Errorf("bench: %s: the replicas applied %.0f tenants, want %.0f:\n%s", what, total, want, procs[0].tail())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// reconcilesTotal sums strata_reconciles_total over its outcomes in a
// Prometheus text exposition; 0 when there is none (the replica is not
// listening yet).
func reconcilesTotal(metrics string) float64 {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(metrics))
	if err != nil {
		return 0
	}
	total := 0.0
	for _, m := range families["strata_reconciles_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	return total
}

// waitConverged requires every tenant recorded at sha in the landlord; when
// a retried failure made up waitReconciled's count, it reads again every two
// seconds until the deadline.
func (f *fleet) waitConverged(ctx context.Context, sha string, procs []*daemonProc, deadline time.Time) error {
	for {
		var at, failed int
		err := f.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(last_applied_commit = ? AND status = 'active'), 0), COALESCE(SUM(status = 'failed'), 0) FROM "+f.landlord("tenants"), sha).Scan(&at, &failed)
		switch {
		case err != nil:
			return fmt.Errorf("bench: landlord: %w", err)
		case at == f.n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("bench: the daemon converged %d of %d tenants to %s in time (%d failed):\n%s", at, f.n, sha, failed, procs[0].tail())
		}
		time.Sleep(2 * time.Second)
	}
}

// appliedOnce requires exactly one apply run per tenant for commit sha and
// returns how many tenants have one.
func (f *fleet) appliedOnce(ctx context.Context, sha string) (int, error) {
	var tenants, twice int
	q := "SELECT COUNT(*), COALESCE(SUM(runs > 1), 0) FROM (SELECT tenant, COUNT(*) AS runs FROM " + f.landlord("apply_runs") + " WHERE commit_sha = ? GROUP BY tenant) AS per_tenant"
	if err := f.db.QueryRowContext(ctx, q, sha).Scan(&tenants, &twice); err != nil {
		return 0, fmt.Errorf("bench: landlord: %w", err)
	}
	if tenants != f.n || twice != 0 {
		return tenants, fmt.Errorf("bench: commit %s: %d tenants have a run, %d of them more than one; want each of %d exactly once", sha, tenants, twice, f.n)
	}
	return tenants, nil
}

// landlord is table of the fleet's landlord database, quoted.
func (f *fleet) landlord(table string) string { return "`" + f.prefix + "ll`." + table }

func (f *fleet) statusInt(ctx context.Context, name string) (int64, error) {
	var n string
	var v int64
	if err := f.db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE ?", name).Scan(&n, &v); err != nil {
		return 0, fmt.Errorf("bench: status %s: %w", name, err)
	}
	return v, nil
}

// git runs git in the fleet's repo and returns its trimmed output.
func (f *fleet) git(args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", f.dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=bench@strata.invalid",
		"GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=bench@strata.invalid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("bench: git %s: %w: %s", args[0], err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// commit commits everything in the repo and returns the commit's hash.
func (f *fleet) commit(msg string) (string, error) {
	if _, err := f.git("add", "-A"); err != nil {
		return "", err
	}
	if _, err := f.git("commit", "-q", "-m", msg); err != nil {
		return "", err
	}
	return f.git("rev-parse", "HEAD")
}

// daemonProc is a running `strata run` of the fleet.
type daemonProc struct {
	cmd  *exec.Cmd
	addr string
	log  *lockedBuffer // its stderr
	done chan struct{}
}

// lockedBuffer is a log written by exec's copying goroutine and read for a tail.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (f *fleet) startDaemon(ctx context.Context, cfg config, shard string) (*daemonProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cache, err := os.MkdirTemp("", "strata-bench-daemon-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	args := []string{"run", "--repo", f.dir, "--cache-dir", cache, "--poll", "500ms", "--drift-interval", "24h",
		"--listen", addr, "--concurrency", fmt.Sprint(cfg.concurrency)}
	if shard != "" {
		args = append(args, "--shard", shard)
	}
	p := &daemonProc{cmd: exec.CommandContext(ctx, cfg.strata, args...), addr: addr, log: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "STRATA_SECRET_KEY="+f.key)
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: strata run: %w", err)
	}
	go func() {
		p.cmd.Wait()
		os.RemoveAll(cache)
		close(p.done)
	}()
	return p, nil
}

func (p *daemonProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// tail is the end of the replica's log.
func (p *daemonProc) tail() string { return tail(p.log.String()) }

func (p *daemonProc) metrics(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// stop sends SIGTERM and waits for the replica to exit.
func (p *daemonProc) stop() error {
	if p.exited() {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(2 * time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("bench: strata run did not stop on SIGTERM:\n%s", p.tail())
	}
}
