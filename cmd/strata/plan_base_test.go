package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/cmd/internal/forge"
	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/spec"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// gitRepo is a real Git repository in a temporary directory, driven by the
// git binary with fixed identities and dates.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary")
	}
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.git("init", "-q", "-b", "main")
	return g
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z", "GIT_CONFIG_NOSYSTEM=1", "HOME="+g.dir)
	out, err := cmd.CombinedOutput()
	require.NoError(g.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// commit writes files (content "" deletes the file) and commits them all.
func (g *gitRepo) commit(msg string, files map[string]string) {
	g.t.Helper()
	for p, body := range files {
		if body == "" {
			require.NoError(g.t, os.Remove(filepath.Join(g.dir, filepath.FromSlash(p))))
			delete(files, p)
		}
	}
	writeFiles(g.t, g.dir, files)
	g.git("add", "-A")
	g.git("commit", "-q", "--allow-empty", "-m", msg)
}

// branch commits files on a new branch from main, then returns to main.
func (g *gitRepo) branch(name string, files map[string]string) {
	g.t.Helper()
	g.git("checkout", "-q", "-b", name, "main")
	g.commit(name, files)
	g.git("checkout", "-q", "main")
}

const ngoTenants = 30

// baseFleet is the base commit: basic, two templates, 30 ngo tenants and a
// school with a custom layer.
func baseFleet(prefix string) map[string]string {
	files := map[string]string{
		"strata.yaml": "servers:\n  main:\n    dsn: ${STRATA_TEST_DSN}\n" +
			"defaults: { server: main }\ndatabase_prefix: " + prefix + "\nlandlord: { server: main, database: " + prefix + "ll }\n",
		"basic/001_settings.sql":              "CREATE TABLE settings (`key` varchar(64) NOT NULL PRIMARY KEY, value text NULL);\n",
		"templates/ngo/template.yaml":         "name: ngo\nversion: 1.0.0\nmodules: { optional: [donations] }\n",
		"templates/ngo/001_projects.sql":      "CREATE TABLE projects (\n  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  title varchar(200) NOT NULL,\n  fax varchar(30) NULL\n);\n",
		"templates/school/template.yaml":      "name: school\nversion: 1.0.0\n",
		"templates/school/001_students.sql":   "CREATE TABLE students (\n  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  name varchar(100) NOT NULL\n);\n",
		"modules/donations/module.yaml":       "name: donations\nversion: 1.0.0\n",
		"modules/donations/001_donations.sql": "CREATE TABLE donations (\n  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  amount decimal(12,2) NOT NULL\n);\n",
		"tenants/school-a/tenant.yaml":        "name: school-a\ntemplate: school\n",
		"tenants/school-a/010_custom.sql":     "ALTER TABLE students ADD COLUMN nickname varchar(50) NULL;\n",
	}
	for i := 1; i <= ngoTenants; i++ {
		n := fmt.Sprintf("ngo-%02d", i)
		files["tenants/"+n+"/tenant.yaml"] = "name: " + n + "\ntemplate: ngo\n"
	}
	return files
}

// TestPlanBaseMarkdown plans PR branches of a real Git config repo with the
// real binary against the test server (dev compositions only) and compares
// the PR comment with golden files in testdata/plan_base.
func TestPlanBaseMarkdown(t *testing.T) {
	db := dbtest.Open(t)
	prefix := dbtest.Name("pb") + "_"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })

	g := newGitRepo(t)
	g.commit("base", baseFleet(prefix))
	g.branch("add-tenant", map[string]string{
		"tenants/newco/tenant.yaml": "name: newco\ntemplate: school\n",
	})
	g.branch("add-module", map[string]string{
		"templates/ngo/template.yaml": "name: ngo\nversion: 1.1.0\nmodules: { required: [donations] }\n",
	})
	g.branch("custom-column", map[string]string{
		"tenants/school-a/010_custom.sql": "ALTER TABLE students ADD COLUMN nickname varchar(50) NULL;\n",
		"tenants/school-a/020_grade.sql":  "ALTER TABLE students ADD COLUMN grade tinyint unsigned NULL;\n",
	})
	dropFax := "CREATE TABLE projects (\n  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  title varchar(200) NOT NULL,\n  phone varchar(30) NULL\n);\n"
	g.branch("drop-unapproved", map[string]string{"templates/ngo/001_projects.sql": dropFax})
	g.branch("drop-approved", map[string]string{
		"templates/ngo/001_projects.sql": dropFax,
		"templates/ngo/template.yaml":    "name: ngo\nversion: 2.0.0\nmodules: { optional: [donations] }\napprove: { destructive: [DROP COLUMN projects.fax] }\n",
	})
	g.branch("invalid-yaml", map[string]string{
		"tenants/school-a/tenant.yaml": "name: school-a\ntemplate: [school\n",
	})
	g.branch("bad-sql", map[string]string{
		"tenants/school-a/020_grade.sql": "ALTER TABLE students ADD COLUMN grade nosuchtype NULL;\n",
	})
	g.branch("remove-tenant", map[string]string{
		"tenants/school-a/tenant.yaml":    "",
		"tenants/school-a/010_custom.sql": "",
	})

	tests := []struct {
		name     string
		head     string // --ref; "" plans the working tree (main checked out)
		wantCode int
		want     []string // must appear in the Markdown (beside the golden comparison)
	}{
		{"unchanged", "", 0, []string{"No tenant database changes"}},
		{"add-tenant", "add-tenant", 2, []string{"<summary>newco: create, 2 statements</summary>"}},
		{"add-module", "add-module", 2, []string{"30 tenants of template ngo: change, 1 statement", "CREATE TABLE `donations`"}},
		{"custom-column", "custom-column", 2, []string{"ADD COLUMN `grade`"}},
		{"drop-unapproved", "drop-unapproved", 2, []string{"add `- DROP COLUMN projects.fax` under `approve.destructive` in `templates/ngo/template.yaml`"}},
		{"drop-approved", "drop-approved", 2, []string{"DROP COLUMN `fax`", "| Blocked | 0 |"}},
		{"invalid-yaml", "invalid-yaml", 1, []string{"tenants/school-a/tenant.yaml:2"}},
		{"bad-sql", "bad-sql", 1, []string{"tenants/school-a/020_grade.sql:1:"}},
		{"remove-tenant", "remove-tenant", 2, []string{"**school-a** is removed"}},
	}
	hashes := regexp.MustCompile(`\b[0-9a-f]{12}\b`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"plan", "--repo", g.dir, "--base", "main", "--format", "markdown"}
			if tc.head != "" {
				args = append(args, "--ref", tc.head)
			}
			code, out, stderr := runBinEnv(t, []string{"STRATA_TEST_DSN=" + dbtest.DSN(t)}, args...)
			require.Equal(t, tc.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
			require.True(t, strings.HasPrefix(out, render.PRMarker+"\n"), "the marker is the first line:\n%s", out)
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
			got := strings.ReplaceAll(hashes.ReplaceAllString(out, "COMMIT"), prefix, "PREFIX_")
			golden(t, filepath.Join("testdata", "plan_base", tc.name+".md"), got)
		})
	}

	// Every composition ran in a scratch database that is gone now.
	for _, ref := range []string{"main", "add-tenant", "add-module", "custom-column", "drop-unapproved", "bad-sql"} {
		for _, hash := range layerHashes(t, g, ref) {
			var n int
			require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?",
				layers.ScratchPrefix+hash[:12]+"%").Scan(&n))
			require.Zero(t, n, "scratch database of %s layer set %s left behind", ref, hash[:12])
		}
	}
}

// layerHashes loads the fleet at ref (checked out in a worktree copy) and
// returns its tenants' layer hashes.
func layerHashes(t *testing.T, g *gitRepo, ref string) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "wt")
	g.git("worktree", "add", "-q", "--detach", dir, ref)
	defer g.git("worktree", "remove", "--force", dir)
	fleet, err := spec.LoadDir(dir, spec.WithLookupEnv(func(string) (string, bool) { return "x:@tcp(h:1)/", true }))
	require.NoError(t, err)
	var out []string
	for _, tn := range fleet.Tenants {
		out = append(out, tn.LayerHash())
	}
	return out
}

// TestPlanBaseExitCodesAndFormats checks JSON and text output and the
// errors that are not plans.
func TestPlanBaseExitCodesAndFormats(t *testing.T) {
	db := dbtest.Open(t)
	prefix := dbtest.Name("pb") + "_"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	g := newGitRepo(t)
	g.commit("base", baseFleet(prefix))
	g.branch("add-module", map[string]string{
		"templates/ngo/template.yaml": "name: ngo\nversion: 1.1.0\nmodules: { required: [donations] }\n",
	})
	env := []string{"STRATA_TEST_DSN=" + dbtest.DSN(t)}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"json groups", []string{"--ref", "add-module", "--format", "json"}, 2,
			[]string{`"groups": [`, `"action": "change"`, `"change": 30`, `"ngo-30"`}},
		{"text", []string{"--ref", "add-module"}, 2,
			[]string{"(change): 1 statement", "Plan main -> add-module: 31 tenants: 0 to create, 30 to change (30 statements)"}},
		{"one tenant", []string{"--ref", "add-module", "--tenant", "ngo-07"}, 2,
			[]string{"ngo-07 (change)", "1 tenant: 0 to create, 1 to change"}},
		{"unknown tenant", []string{"--ref", "add-module", "--tenant", "nope"}, 1, []string{"unknown tenant \"nope\""}},
		{"unknown base", []string{"--base", "no-such-branch"}, 1, []string{"no-such-branch"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"plan", "--repo", g.dir, "--base", "main"}, tc.args...)
			code, out, stderr := runBinEnv(t, env, args...)
			require.Equal(t, tc.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
			for _, w := range tc.want {
				require.Contains(t, out+stderr, w)
			}
		})
	}
}

// runBinEnv is runBin with extra environment variables.
func runBinEnv(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return runBin(t, args...)
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	require.Equal(t, string(want), got)
}

// TestPRMarkerIsForgeMarker: `strata ci comment` finds the comment by the
// marker the PR Markdown starts with.
func TestPRMarkerIsForgeMarker(t *testing.T) {
	require.Equal(t, forge.DefaultMarker, render.PRMarker)
}

// TestApplyRecordsMergedPR applies a repo whose main tip merges pull request
// #7 and checks that the history names the PR that approved the change.
func TestApplyRecordsMergedPR(t *testing.T) {
	db := dbtest.Open(t)
	prefix := dbtest.Name("pr") + "_"
	t.Cleanup(func() {
		dbtest.DropDatabases(t, db, prefix)
		dbtest.DropUsers(t, db, prefix)
	})
	g := newGitRepo(t)
	g.commit("base", map[string]string{
		"strata.yaml": "servers:\n  main:\n    dsn: ${STRATA_TEST_DSN}\n" +
			"defaults: { server: main }\ndatabase_prefix: " + prefix + "\nlandlord: { server: main, database: " + prefix + "ll }\n",
		"basic/001_settings.sql":            "CREATE TABLE settings (`key` varchar(64) NOT NULL PRIMARY KEY);\n",
		"templates/school/template.yaml":    "name: school\nversion: 1.0.0\n",
		"templates/school/001_students.sql": "CREATE TABLE students (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY);\n",
		"tenants/acme/tenant.yaml":          "name: acme\ntemplate: school\n",
	})
	g.git("checkout", "-q", "-b", "feature")
	g.commit("add a nickname column", map[string]string{
		"tenants/acme/010_custom.sql": "ALTER TABLE students ADD COLUMN nickname varchar(50) NULL;\n",
	})
	g.git("checkout", "-q", "main")
	g.git("merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #7 from acme/feature")

	env := []string{"STRATA_TEST_DSN=" + dbtest.DSN(t), "STRATA_SECRET_KEY=" + strings.Repeat("ab", 32)}
	code, out, stderr := runBinEnv(t, env, "apply", "--repo", g.dir, "--ref", "main")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	code, out, stderr = runBinEnv(t, env, "status", "--repo", g.dir, "--tenant", "acme")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	require.Contains(t, out, "approved by PR #7")
	require.Contains(t, out, "nickname")
}

// TestPlanBaseLive applies the base of a real Git config repo to real
// databases, changes some of them by hand and merges a later commit to main
// without applying it, then plans a pull request with --live: the comment
// shows each tenant that is not at the base and why, and the plan changes
// nothing, the landlord included.
func TestPlanBaseLive(t *testing.T) {
	db := dbtest.Open(t)
	prefix := dbtest.Name("pl") + "_"
	t.Cleanup(func() {
		dbtest.DropDatabases(t, db, prefix)
		dbtest.DropUsers(t, db, prefix)
	})
	files := baseFleet(prefix)
	for i := 5; i <= ngoTenants; i++ { // ngo-01..04 and school-a are enough here
		delete(files, fmt.Sprintf("tenants/ngo-%02d/tenant.yaml", i))
	}
	g := newGitRepo(t)
	g.commit("base", files)
	env := []string{"STRATA_TEST_DSN=" + dbtest.DSN(t), "STRATA_SECRET_KEY=" + strings.Repeat("cd", 32)}
	code, out, stderr := runBinEnv(t, env, "apply", "--repo", g.dir, "--ref", "main")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, stderr)

	// Merged to main but not applied: every school tenant's change is pending.
	g.commit("school: email", map[string]string{
		"templates/school/002_email.sql": "ALTER TABLE students ADD COLUMN email varchar(200) NULL;\n",
	})
	g.branch("add-module", map[string]string{
		"templates/ngo/template.yaml": "name: ngo\nversion: 1.1.0\nmodules: { required: [donations] }\n",
	})
	for _, q := range []string{
		"ALTER TABLE `" + prefix + "ngo_02`.projects ADD COLUMN notes text NULL",
		"CREATE TABLE `" + prefix + "ngo_03`.projects_copy (id int PRIMARY KEY)",
		"DROP DATABASE `" + prefix + "ngo_04`",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	landlordState := func() string {
		var s string
		require.NoError(t, db.QueryRow("SELECT CONCAT((SELECT GROUP_CONCAT(name, ':', status ORDER BY name) FROM `"+prefix+"ll`.tenants), '/', "+
			"(SELECT COUNT(*) FROM `"+prefix+"ll`.drift_detections), '/', (SELECT COUNT(*) FROM `"+prefix+"ll`.apply_runs))").Scan(&s))
		return s
	}
	before := landlordState()

	code, out, stderr = runBinEnv(t, env, "plan", "--repo", g.dir, "--base", "main", "--ref", "add-module", "--live", "--format", "markdown")
	require.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	for _, w := range []string{
		"### What the merge meets on the live databases",
		"**4 of 5 tenants are not at `main`: 1 missing, 1 drifted, 1 with earlier changes pending, 1 with unmanaged tables; 1 at the base.**",
		"**ngo-02** (drifted)", "blocked until `DROP COLUMN projects.notes` is approved",
		"**ngo-03** (unmanaged)", "`TABLE projects_copy`",
		"**ngo-04** (missing)",
		"**school-a** (pending)", "ADD COLUMN `email`",
		"<summary>4 tenants of template ngo: change, 1 statement</summary>", // the PR's own change is unaffected
	} {
		require.Contains(t, out, w)
	}
	require.NotContains(t, out, "**ngo-01**", "a tenant at the base is not listed")
	hashes := regexp.MustCompile(`\b[0-9a-f]{12}\b`)
	golden(t, filepath.Join("testdata", "plan_base", "live.md"), strings.ReplaceAll(hashes.ReplaceAllString(out, "COMMIT"), prefix, "PREFIX_"))
	require.Equal(t, before, landlordState(), "plan --live recorded something in the landlord")
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", prefix+"ngo_04").Scan(&n))
	require.Zero(t, n, "plan --live created a database")

	code, out, stderr = runBinEnv(t, env, "plan", "--repo", g.dir, "--base", "main", "--ref", "add-module", "--live", "--format", "json", "--tenant", "ngo-02")
	require.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	for _, w := range []string{`"live": {`, `"finding": "drifted"`, `"drifted": 1`, `"live_groups": [`, `"record": "active, last applied `} {
		require.Contains(t, out, w)
	}

	// Once applied, the head is what the live databases have: a pull
	// request with no change meets nothing but ngo-03's extra table.
	// One at a time: concurrent drift records can deadlock in the landlord (reconciler).
	code, out, stderr = runBinEnv(t, env, "apply", "--repo", g.dir, "--ref", "add-module", "--concurrency", "1")
	require.Equal(t, 2, code, "the drop of ngo-02's notes stays blocked\nstdout:\n%s\nstderr:\n%s", out, stderr)
	code, out, stderr = runBinEnv(t, env, "plan", "--repo", g.dir, "--base", "add-module", "--ref", "add-module", "--live")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	require.Contains(t, out, "live ngo-02 (drifted; landlord: drifted, last applied ")
	require.Contains(t, out, "  also destructive: ALTER TABLE `projects` DROP COLUMN `notes`;\n    blocked until `DROP COLUMN projects.notes` is approved\n")
	require.Contains(t, out, "live ngo-03 (unmanaged")
	require.Contains(t, out, "Live: 5 tenants: 3 at the base, 0 failed, 0 missing, 1 drifted")
}

// TestPlanBaseLiveWithoutLandlord: before the first apply there is no
// landlord; --live says so, reports every database missing, and creates
// nothing.
func TestPlanBaseLiveWithoutLandlord(t *testing.T) {
	db := dbtest.Open(t)
	prefix := dbtest.Name("pn") + "_"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	g := newGitRepo(t)
	g.commit("base", baseFleet(prefix))
	g.branch("add-tenant", map[string]string{"tenants/newco/tenant.yaml": "name: newco\ntemplate: school\n"})
	env := []string{"STRATA_TEST_DSN=" + dbtest.DSN(t)}
	code, out, stderr := runBinEnv(t, env, "plan", "--repo", g.dir, "--base", "main", "--ref", "add-tenant", "--live", "--format", "markdown")
	require.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
	require.Contains(t, out, "does not exist yet: strata has applied no tenant.")
	require.Contains(t, out, "**31 of 32 tenants are not at `main`: 31 missing; 1 at the base.**")
	require.Contains(t, out, "**31 tenants** (missing)")
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?", prefix+"%").Scan(&n))
	require.Zero(t, n, "plan --live created a database")

	code, _, stderr = runBinEnv(t, env, "plan", "--repo", g.dir, "--live")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "--live goes with --base")
}
