package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestColumnOrderConverges runs the real binary: a layer that puts a new
// column before an existing one is applied (MariaDB adds it last, strata
// moves it to its place), so the tenant converges, plans in sync after, and
// strata status counts no tenant diverged.
func TestColumnOrderConverges(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)

	c.write("templates/club/001_members.sql", "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  nick VARCHAR(30) NULL,\n  name VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n")
	code, out, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "alpha: converged")

	code, out, stderr = runBin(t, "plan", "--repo", c.dir)
	require.Equal(t, 0, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "1 in sync")

	code, out, stderr = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, out, "diverged: members")
}
