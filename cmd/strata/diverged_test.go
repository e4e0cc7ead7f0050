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

// TestPartitioningDiverges runs the real binary on a difference strata
// plans no statement for: a layer that partitions an existing table. plan
// exits 2 naming the table and the attribute, apply adds the column
// changed with it and exits 2 with the tenant diverged (never converged),
// and strata status shows the tenant diverged with what differs.
func TestPartitioningDiverges(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)

	c.write("templates/club/001_members.sql", "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  nick VARCHAR(30) NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 2;\n")
	const want = "members: partitioning differs (live: none, desired: PARTITION BY HASH (`id`) PARTITIONS 2)"
	code, out, stderr := runBin(t, "plan", "--repo", c.dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, want)

	code, out, stderr = runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out+stderr, want)
	require.NotContains(t, out, "alpha: converged")
	require.Contains(t, c.columns("alpha"), "members.nick")

	code, out, stderr = runBin(t, "plan", "--repo", c.dir)
	require.Equal(t, 2, code, "stdout %s\nstderr %s", out, stderr)
	require.Contains(t, out, "diverged")
	require.Contains(t, out, want)

	code, out, stderr = runBin(t, "status", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "diverged")
	require.Contains(t, out, "partitioning differs")
}
