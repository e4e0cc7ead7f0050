package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWavesHaltThenResume is issue 12's end-to-end test of gated waves, on
// the real binary, a real Git repo and real MariaDB: a commit whose new
// unique index breaks on wave 1's data converges wave 0, halts wave 1 and
// leaves wave 2 at the previous commit's schema (recorded in the landlord
// and shown by strata status); a fix commit resumes from wave 0 and
// converges every tenant. Every claim is checked against the databases.
func TestWavesHaltThenResume(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("w0", "wave: 0\n")
	c.tenant("w1-bad", "wave: 1\n")
	c.tenant("w1-ok", "wave: 1\n")
	c.tenant("w2", "wave: 2\n")
	c.commit("four tenants in three waves")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	apply := func(args ...string) (int, string) {
		code, out, errOut := runBin(t, append([]string{"apply", "--repo", c.dir, "--ref", "main", "--concurrency", "2"}, args...)...)
		return code, out + errOut
	}
	code, out := apply()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "finished", out)

	// wave 1's data breaks a unique index (duplicate emails in one tenant).
	_, err := c.db.Exec("INSERT INTO `" + c.database("w1-bad") + "`.users (email) VALUES ('dup@x'), ('dup@x')")
	require.NoError(t, err)
	c.write("basic/002_email.sql", "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL;\nCREATE UNIQUE INDEX users_email ON users (email);\n")
	bad := c.commit("unique emails")
	code, out = apply()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "HALTED at wave 1", out)
	require.Contains(t, out, "w1-bad", out)

	hasIndex := func(tenant string) bool {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = ? AND table_name = 'users' AND index_name = 'users_email'", c.database(tenant)).Scan(&n))
		return n > 0
	}
	hasPhone := func(tenant string) bool {
		return strings.Contains(strings.Join(c.columns(tenant), ","), "users.phone")
	}
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

	// The fix: a plain index (replacing the unique one where it was made
	// is approved). A new commit starts a new rollout from wave 0.
	c.write("basic/002_email.sql", "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL;\nCREATE INDEX users_email ON users (email);\n")
	cfg, err := os.ReadFile(filepath.Join(c.dir, "strata.yaml"))
	require.NoError(t, err)
	c.write("strata.yaml", string(cfg)+"approve: { destructive: ['DROP INDEX users.users_email'] }\n")
	fix := c.commit("emails need not be unique")
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
}
