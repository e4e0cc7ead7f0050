package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
)

// initRepo runs the real binary's init and points the repo at the test
// server, with a database prefix and landlord unique to the test.
func initRepo(t *testing.T) (dir, prefix string) {
	t.Helper()
	db := dbtest.Open(t)
	prefix = dbtest.Name("ie") + "_"
	t.Cleanup(func() {
		dbtest.DropDatabases(t, db, prefix)
		dbtest.DropUsers(t, db, prefix)
	})
	dir = filepath.Join(t.TempDir(), "fleet")
	code, _, stderr := runBin(t, "init", dir)
	require.Equal(t, 0, code, stderr)
	p := filepath.Join(dir, "strata.yaml")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	y := strings.Replace(string(b), "database_prefix: tenant_", "database_prefix: "+prefix, 1)
	y = strings.Replace(y, "database: strata }", "database: "+prefix+"ll }", 1)
	require.NotEqual(t, string(b), y)
	require.NoError(t, os.WriteFile(p, []byte(y), 0o644))
	t.Setenv("STRATA_PRIMARY_DSN", dbtest.DSN(t))
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	return dir, prefix
}

// TestInitConvergesEndToEnd: the repo strata init writes applies on its
// first apply (its seed's comment once executed a template action), and
// plans in sync after.
func TestInitConvergesEndToEnd(t *testing.T) {
	dir, _ := initRepo(t)
	code, out, stderr := runBin(t, "apply", "--repo", dir)
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "acme: converged")
	code, out, stderr = runBin(t, "plan", "--repo", dir)
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "1 in sync")
}

// TestPlanIsWhatApplyRuns: after a column is dropped by hand under drift
// strategy report, plan shows the re-adding statement withheld (it used to
// list it as a change apply then did not run), and the statements plan
// lists to run are exactly those apply runs.
func TestPlanIsWhatApplyRuns(t *testing.T) {
	dir, prefix := initRepo(t)
	code, _, stderr := runBin(t, "apply", "--repo", dir)
	require.Equal(t, 0, code, stderr)
	db := dbtest.Open(t)
	_, err := db.Exec("ALTER TABLE `" + prefix + "acme`.users DROP COLUMN name")
	require.NoError(t, err)

	code, out, stderr := runBin(t, "plan", "--repo", dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "ADD COLUMN `name`")
	require.Contains(t, out, "withheld: drift strategy report")
	require.NotContains(t, out, "1 to change")

	code, out, _ = runBin(t, "plan", "--repo", dir, "--format", "json")
	require.Equal(t, 2, code)
	var plan struct {
		Tenants []struct {
			Name       string
			Statements []struct {
				SQL     string
				Blocked bool
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &plan), out)
	var toRun []string
	for _, st := range plan.Tenants[0].Statements {
		if !st.Blocked {
			toRun = append(toRun, st.SQL)
		}
	}

	code, out, stderr = runBin(t, "apply", "--repo", dir, "--format", "json")
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	var res struct {
		Tenants []struct {
			Outcome    string
			Statements []struct{ SQL, Outcome string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	var ran []string
	for _, st := range res.Tenants[0].Statements {
		if st.Outcome != "blocked" {
			ran = append(ran, st.SQL)
		}
	}
	require.Equal(t, toRun, ran)
	require.Equal(t, "drifted", res.Tenants[0].Outcome)
}
