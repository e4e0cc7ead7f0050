package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/landlord"
)

// TestWavesHaltThenResume is issue 12's end-to-end test of gated waves, on
// the real binary, a real Git repo and real MariaDB: a commit whose new
// unique index breaks on wave 1's data converges wave 0, halts wave 1 and
// leaves wave 2 at the previous commit's schema (recorded in the landlord
// and shown by strata status); a fix commit resumes from wave 0 and
// converges every tenant. Every claim is checked against the databases.
func TestWavesHaltThenResume(t *testing.T) {
	c, _ := wavesRepo(t)
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	apply := func(args ...string) (int, string) {
		code, out, errOut := runBin(t, append([]string{"apply", "--repo", c.dir, "--ref", "main", "--concurrency", "2"}, args...)...)
		return code, out + errOut
	}
	code, out := apply()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "finished", out)

	bad := c.breakWave1()
	code, out = apply()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "HALTED at wave 1", out)
	require.Contains(t, out, "w1-bad", out)

	hasIndex, hasPhone := c.hasEmailIndex, c.hasPhone
	require.True(t, hasIndex("w0") && hasPhone("w0"), "wave 0 converged")
	require.True(t, hasIndex("w1-ok"), "wave 1's other tenant converged")
	require.False(t, hasIndex("w1-bad"), "the failing tenant has no unique index")
	require.False(t, hasIndex("w2") || hasPhone("w2"), "wave 2 stays at the previous commit's schema")
	var w2Runs int
	require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.apply_runs WHERE tenant = 'w2' AND commit_sha = ?", bad).Scan(&w2Runs))
	require.Zero(t, w2Runs, "wave 2 was not even tried at the bad commit")
	var status, waves string
	var wave int
	require.NoError(t, c.db.QueryRow("SELECT status, wave, waves FROM `"+c.ll+"`.rollouts WHERE commit_sha = ?", bad).Scan(&status, &wave, &waves))
	require.Equal(t, "halted", status)
	require.Equal(t, 1, wave)
	require.Contains(t, waves, `"failed":["w1-bad"]`)
	code, out, _ = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "HALTED at wave 1", out)
	require.Contains(t, out, "wave 2: 1 not started", out)

	// The fix: a plain index. A new commit starts a new rollout from wave 0.
	fix := c.fixWave1()
	code, out = apply()
	require.Equal(t, 0, code, out)
	for _, tn := range []string{"w0", "w1-bad", "w1-ok", "w2"} {
		require.True(t, hasIndex(tn) && hasPhone(tn), "%s converged after the fix", tn)
	}
	require.NoError(t, c.db.QueryRow("SELECT status, wave FROM `"+c.ll+"`.rollouts WHERE commit_sha = ?", fix).Scan(&status, &wave))
	require.Equal(t, "finished", status)
	require.Equal(t, 2, wave)
	code, out, _ = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, fmt.Sprintf("Rollout of %s (gated): finished", fix[:12]), out)

	var errOut string
	// A tenant removed from the repo is orphaned: not active, database and
	// credentials kept.
	require.NoError(t, os.RemoveAll(filepath.Join(c.dir, "tenants", "w2")))
	c.commit("w2 leaves the repo")
	code, out = apply()
	require.Equal(t, 0, code, out)
	code, out, errOut = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "4 tenants: 3 active, 1 orphaned", out)
	code, out, errOut = runBin(t, "credentials", "w2", "--repo", c.dir)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, c.database("w2"))
	require.True(t, c.hasEmailIndex("w2"), "the orphan's database is kept")
}

// wavesRepo is a config repo with four tenants in waves 0, 1, 1 and 2,
// committed; it returns the commit.
func wavesRepo(t *testing.T) (*configRepo, string) {
	c := newConfigRepo(t)
	c.tenant("w0", "wave: 0\n")
	c.tenant("w1-bad", "wave: 1\n")
	c.tenant("w1-ok", "wave: 1\n")
	c.tenant("w2", "wave: 2\n")
	return c, c.commit("four tenants in three waves")
}

// breakWave1 gives w1-bad duplicate emails and commits a unique index on
// them (and a new column), which fails there alone; it returns the commit.
func (c *configRepo) breakWave1() string {
	_, err := c.db.Exec("INSERT INTO `" + c.database("w1-bad") + "`.users (email) VALUES ('dup@x'), ('dup@x')")
	require.NoError(c.t, err)
	c.write("basic/002_email.sql", "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL;\nCREATE UNIQUE INDEX users_email ON users (email);\n")
	return c.commit("unique emails")
}

// fixWave1 commits a plain index instead (replacing the unique one where it
// was made is approved) and returns the commit.
func (c *configRepo) fixWave1() string {
	c.write("basic/002_email.sql", "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL;\nCREATE INDEX users_email ON users (email);\n")
	cfg, err := os.ReadFile(filepath.Join(c.dir, "strata.yaml"))
	require.NoError(c.t, err)
	c.write("strata.yaml", string(cfg)+"approve: { destructive: ['DROP INDEX users.users_email'] }\n")
	return c.commit("emails need not be unique")
}

// hasEmailIndex reports whether the tenant's users table has index users_email.
func (c *configRepo) hasEmailIndex(tenant string) bool {
	var n int
	require.NoError(c.t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = ? AND table_name = 'users' AND index_name = 'users_email'", c.database(tenant)).Scan(&n))
	return n > 0
}

func (c *configRepo) hasPhone(tenant string) bool {
	return strings.Contains(strings.Join(c.columns(tenant), ","), "users.phone")
}

// TestRunWavesHaltThenResume is TestWavesHaltThenResume with the daemon
// (the real binary following the Git repo): the halt shows in the status
// API, /api/v1/rollout and strata_rollout_halted, wave 2 is never applied
// while it lasts, and the fix commit converges every tenant.
func TestRunWavesHaltThenResume(t *testing.T) {
	c, first := wavesRepo(t)
	p := startDaemon(t, strataBin, c)
	waitApplied(t, p, first, "w0", "w1-bad", "w1-ok", "w2")
	rolloutOf := func(commit string) (landlord.Rollout, int) {
		var ro landlord.Rollout
		code := p.get("/api/v1/rollout?commit="+commit, &ro)
		return ro, code
	}

	bad := c.breakWave1()
	waitFor(t, p, "the rollout halted", func() (bool, string) {
		ro, code := rolloutOf(bad)
		return ro.Status == landlord.RolloutHalted, fmt.Sprintf("%d %+v", code, ro)
	})
	ro, _ := rolloutOf(bad)
	require.Equal(t, 1, ro.Wave)
	require.Equal(t, []string{"w1-bad"}, ro.WaveOf(1).Failed)
	require.Equal(t, "1", p.metric("strata_rollout_halted"))
	var list httpapi.TenantList
	require.Equal(t, 200, p.get("/api/v1/tenants", &list))
	require.NotNil(t, list.Rollout)
	require.Equal(t, landlord.RolloutHalted, list.Rollout.Status)
	time.Sleep(time.Second) // a few polls: wave 2 must stay untouched
	require.True(t, c.hasEmailIndex("w0") && c.hasPhone("w0"), "wave 0 converged")
	require.True(t, c.hasEmailIndex("w1-ok"), "wave 1's other tenant converged")
	require.False(t, c.hasEmailIndex("w1-bad"))
	require.False(t, c.hasEmailIndex("w2") || c.hasPhone("w2"), "wave 2 stays at the previous commit's schema")

	fix := c.fixWave1()
	waitApplied(t, p, fix, "w0", "w1-bad", "w1-ok", "w2")
	waitFor(t, p, "the fix's rollout finished", func() (bool, string) {
		ro, code := rolloutOf(fix)
		return ro.Status == landlord.RolloutFinished, fmt.Sprintf("%d %+v", code, ro)
	})
	require.Equal(t, "0", p.metric("strata_rollout_halted"))
	for _, tn := range []string{"w0", "w1-bad", "w1-ok", "w2"} {
		require.True(t, c.hasEmailIndex(tn) && c.hasPhone(tn), "%s converged after the fix", tn)
	}
	p.stop()
}

// TestApplyWaveByHandAndAllWaves: at a halted commit, apply --wave 2 applies
// wave 2 alone, by hand, recorded as such in its runs and in the commit's
// rollout; --all-waves applies every wave without gating, recorded as
// all-waves in the rollout and every run (strata status --tenant shows it).
func TestApplyWaveByHandAndAllWaves(t *testing.T) {
	c, _ := wavesRepo(t)
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	apply := func(args ...string) (int, string) {
		code, out, errOut := runBin(t, append([]string{"apply", "--repo", c.dir, "--ref", "main", "--concurrency", "2"}, args...)...)
		return code, out + errOut
	}
	code, out := apply()
	require.Equal(t, 0, code, out)
	bad := c.breakWave1()
	code, out = apply()
	require.Equal(t, 1, code, out)
	require.False(t, c.hasEmailIndex("w2"))

	code, out = apply("--wave", "2")
	require.Equal(t, 0, code, out)
	require.True(t, c.hasEmailIndex("w2") && c.hasPhone("w2"), "wave 2 applied by hand")
	runMode := func(tenant string) string {
		var mode string
		require.NoError(t, c.db.QueryRow("SELECT rollout FROM `"+c.ll+"`.apply_runs WHERE tenant = ? ORDER BY id DESC LIMIT 1", tenant).Scan(&mode))
		return mode
	}
	require.Equal(t, "wave", runMode("w2"))
	var status, waves string
	require.NoError(t, c.db.QueryRow("SELECT status, waves FROM `"+c.ll+"`.rollouts WHERE commit_sha = ?", bad).Scan(&status, &waves))
	require.Equal(t, "halted", status, "a wave by hand does not lift the halt")
	require.Contains(t, waves, `{"wave":2,"tenants":1,"converged":1`)

	code, out = apply("--all-waves")
	require.Equal(t, 1, code, out) // w1-bad still fails
	require.Equal(t, "all-waves", runMode("w1-bad"))
	require.NoError(t, c.db.QueryRow("SELECT status FROM `"+c.ll+"`.rollouts WHERE commit_sha = ? AND mode = 'all-waves'", bad).Scan(&status))
	code, out, _ = runBin(t, "status", "--repo", c.dir, "--tenant", "w1-bad")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "(all-waves)")
	code, _, errOut := runBin(t, "apply", "--repo", c.dir, "--wave", "1", "--all-waves")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "exclude each other")
}

// TestApplyWaitsOnPausedWave: a paused tenant holds its wave, so apply stops
// there; it must not exit 0 ("all converged") while later waves wait at the
// previous commit. It exits 2 and names the wave and the paused tenant.
func TestApplyWaitsOnPausedWave(t *testing.T) {
	c, _ := wavesRepo(t)
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, out, errOut := runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, out+errOut)
	code, out, errOut = runBin(t, "pause", "--repo", c.dir, "--tenant", "w0", "--reason", "canary on hold")
	require.Equal(t, 0, code, out+errOut)

	c.breakWave1()
	code, out, errOut = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 2, code, out+errOut)
	require.Contains(t, errOut, "waits at wave 0", out+errOut)
	require.Contains(t, errOut, "w0", out+errOut)
	require.False(t, c.hasPhone("w0") || c.hasPhone("w1-ok") || c.hasPhone("w2"), "nothing past the paused wave is applied")
}
