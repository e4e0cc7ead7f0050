package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDivergedTenant runs the real binary: a layer that puts a new column
// before an existing one is applied (MariaDB adds it last), so the live
// column order differs where strata plans no statement. apply exits 2
// without recording the tenant converged, plan exits 2 and names the
// object and attribute (text and JSON), and strata status counts the tenant
// as diverged.
func TestDivergedTenant(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)

	c.write("templates/club/001_members.sql", "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  nick VARCHAR(30) NULL,\n  name VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n")
	code, out, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)

	code, out, stderr = runBin(t, "plan", "--repo", c.dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "tenant alpha")
	require.Contains(t, out, "diverged")
	require.Contains(t, out, "members: column order differs (live: id, name, nick, desired: id, nick, name)")
	require.Contains(t, out, "1 diverged")

	code, out, _ = runBin(t, "plan", "--repo", c.dir, "--format", "json")
	require.Equal(t, 2, code)
	var p struct {
		Tenants []struct {
			Action      string
			Divergences []struct{ Object, Attribute, Live, Desired string }
		}
		Summary struct{ Diverged, InSync int }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &p), out)
	require.Equal(t, 1, p.Summary.Diverged)
	require.Equal(t, 0, p.Summary.InSync)
	require.Equal(t, "diverged", p.Tenants[0].Action)
	require.Equal(t, "column order", p.Tenants[0].Divergences[0].Attribute)

	code, out, stderr = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "1 diverged")
	require.Contains(t, out, "diverged: members: column order differs")
}
