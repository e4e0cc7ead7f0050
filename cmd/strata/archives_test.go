package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/landlord"
)

// faxRows returns "id|name|fax" of every members row of tenant, in order.
func (c *configRepo) faxRows(tenant string, withFax bool) []string {
	c.t.Helper()
	q := "SELECT CONCAT_WS('|', id, name, IFNULL(fax, 'NULL')) FROM `" + c.database(tenant) + "`.members ORDER BY id"
	if !withFax {
		q = "SELECT CONCAT_WS('|', id, name) FROM `" + c.database(tenant) + "`.members ORDER BY id"
	}
	rows, err := c.db.Query(q)
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

func archivesJSON(t *testing.T, dir string, extra ...string) []landlord.Archive {
	t.Helper()
	code, stdout, stderr := runBin(t, append([]string{"archives", "--repo", dir, "--ref", "main", "--format", "json"}, extra...)...)
	require.Equal(t, 0, code, stderr)
	var v struct {
		Archives []landlord.Archive `json:"archives"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &v), stdout)
	return v.Archives
}

// TestArchiveRevertRestores: the end-to-end path of issue 12's "drops that
// can be undone", through the binary and a Git repo made in the test. A
// commit drops an approved column holding data; plan shows the archive
// step, apply keeps the values, strata archives lists them; the revert
// commit's plan says it restores them, and after its apply every value of
// every tenant is back, equal to the live database before the drop. Then
// the drop again, and strata archives purge: nothing before expiry, all with
// --all, recorded purged.
func TestArchiveRevertRestores(t *testing.T) {
	c := newConfigRepo(t)
	withFax := "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  fax VARCHAR(30) NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
	withoutFax := "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
	tmpl := "name: club\nversion: 1.0.0\nmodules: { optional: [events] }\n"
	c.write("templates/club/001_members.sql", withFax)
	tenants := []string{"alpha", "beta", "gamma"}
	for _, n := range tenants {
		c.tenant(n, "")
	}
	c.commit("clubs with fax")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	before := map[string][]string{}
	for i, n := range tenants {
		for id := 1; id <= 20+i*5; id++ {
			fax := sqlNullOr(id%4 != 0, fmt.Sprintf("+977-1-%s-%d", n, id))
			_, err := c.db.Exec("INSERT INTO `"+c.database(n)+"`.members (id, name, fax) VALUES (?, ?, "+fax+")", id, fmt.Sprintf("%s member %d", n, id))
			require.NoError(t, err)
		}
		before[n] = c.faxRows(n, true)
	}

	c.write("templates/club/001_members.sql", withoutFax)
	c.write("templates/club/template.yaml", tmpl+"approve: { destructive: [\"DROP COLUMN members.fax\"] }\n")
	c.commit("drop fax")
	code, stdout, stderr := runBin(t, "plan", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stdout, "archive: archives members.fax (15 values in 20 rows")
	require.Contains(t, stdout, "CREATE OR REPLACE TABLE `_strata_archive_")
	code, _, stderr = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	for _, n := range tenants {
		require.Equal(t, []string{"members.id", "members.name", "users.id", "users.email"}, c.columns(n)[:4], n)
		require.Len(t, c.columns(n), 6, "%s: members and users, and the archive's id and fax", n)
	}
	kept := archivesJSON(t, c.dir)
	require.Len(t, kept, len(tenants))
	for _, a := range kept {
		require.Equal(t, landlord.ArchiveKept, a.State, "%+v", a)
		require.Equal(t, "members.fax", a.Object)
		require.Equal(t, "DROP COLUMN members.fax", a.Approval)
	}
	code, stdout, stderr = runBin(t, "archives", "--repo", c.dir, "--ref", "main", "--tenant", "beta")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "column members.fax")
	require.NotContains(t, stdout, "alpha")

	// The revert commit: the files as they were.
	c.write("templates/club/001_members.sql", withFax)
	c.write("templates/club/template.yaml", tmpl)
	c.commit("Revert \"drop fax\"")
	code, stdout, stderr = runBin(t, "plan", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stdout, "archive: restores 15 values of members.fax from the archive of run ")
	code, _, stderr = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	for _, n := range tenants {
		require.Equal(t, before[n], c.faxRows(n, true), "tenant %s: members after the revert", n)
	}
	require.Empty(t, archivesJSON(t, c.dir), "kept archives after the restore")
	for _, a := range archivesJSON(t, c.dir, "--all") {
		require.Equal(t, landlord.ArchiveRestored, a.State, "%+v", a)
		require.NotZero(t, a.FinishedRun)
	}
	code, stdout, _ = runBin(t, "plan", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stdout)

	// Dropped again, then purged by hand.
	c.write("templates/club/001_members.sql", withoutFax)
	c.write("templates/club/template.yaml", tmpl+"approve: { destructive: [\"DROP COLUMN members.fax\"] }\n")
	c.commit("drop fax again")
	code, _, stderr = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr = runBin(t, "archives", "purge", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "nothing to purge")
	code, stdout, stderr = runBin(t, "archives", "purge", "--repo", c.dir, "--ref", "main", "--all")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, len(tenants), strings.Count(stdout, "purged: column members.fax"), stdout)
	for _, n := range tenants {
		var left int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE '\\_strata\\_archive\\_%'", c.database(n)).Scan(&left))
		require.Zero(t, left, n)
	}
	purged := 0
	for _, a := range archivesJSON(t, c.dir, "--all") {
		if a.State == landlord.ArchivePurged {
			purged++
		}
	}
	require.Equal(t, len(tenants), purged)
}

func sqlNullOr(ok bool, s string) string {
	if !ok {
		return "NULL"
	}
	return "'" + s + "'"
}
