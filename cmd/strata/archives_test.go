package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

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
	base := c.commit("clubs with fax")
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
	// The pull request's comment gives the sizes before the merge approves the drop.
	code, stdout, stderr := runBin(t, "plan", "--repo", c.dir, "--base", base, "--ref", "main", "--live", "--format", "markdown")
	require.Equal(t, 2, code, stderr)
	require.Contains(t, stdout, "**Approved drops: 57 values archived (")
	require.Contains(t, stdout, "| alpha | column `members.fax` | 20 | 15 | 218 B | archived |")
	require.Contains(t, stdout, "All 3 tenants are at `"+base, "the archive statements are not differences from the change")
	code, stdout, stderr = runBin(t, "plan", "--repo", c.dir, "--ref", "main")
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

// TestArchiveKilledBeforeDrop: strata SIGKILLed after it copied a column
// into its archive, while the drop waits for a metadata lock an application
// transaction holds, leaves the column, the copy and a record in state
// archiving. The next apply completes it: one archive, one kept record with
// every value, no value lost; the revert restores them all.
func TestArchiveKilledBeforeDrop(t *testing.T) {
	c := newConfigRepo(t)
	withFax := "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  fax VARCHAR(30) NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
	withoutFax := "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
	c.write("templates/club/001_members.sql", withFax)
	c.tenant("alpha", "")
	c.commit("club with fax")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	db := c.database("alpha")
	for id := 1; id <= 40; id++ {
		_, err := c.db.Exec("INSERT INTO `"+db+"`.members (id, name, fax) VALUES (?, 'm', "+sqlNullOr(id%3 != 0, fmt.Sprint("fax-", id))+")", id)
		require.NoError(t, err)
	}
	before := c.faxRows("alpha", true)

	c.write("templates/club/001_members.sql", withoutFax)
	c.tenant("alpha", "approve: { destructive: [\"DROP COLUMN members.fax\"] }\n")
	c.commit("drop fax")
	// An application transaction that read members holds its metadata
	// lock: the copy (a read) runs, the drop waits.
	ctx := context.Background()
	app, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer app.Close()
	_, err = app.ExecContext(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = app.ExecContext(ctx, "SELECT COUNT(*) FROM `"+db+"`.members")
	require.NoError(t, err)
	cmd := exec.Command(strataBin, "apply", "--repo", c.dir, "--ref", "main")
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(30 * time.Second)
	var waiting int64
	for {
		err := c.db.QueryRow("SELECT id FROM information_schema.processlist WHERE db = ? AND state LIKE 'Waiting for table metadata lock' AND info LIKE '%DROP COLUMN%'", db).Scan(&waiting)
		if err == nil {
			break
		}
		require.ErrorIs(t, err, sql.ErrNoRows)
		require.True(t, time.Now().Before(deadline), "the drop never waited for the lock")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	// The server would still run the drop once the lock is free; its lock
	// wait ends first (as lock_wait_timeout would end it): strata died
	// between the copy and the drop.
	_, err = c.db.Exec(fmt.Sprintf("KILL QUERY %d", waiting))
	require.NoError(t, err)
	_, err = app.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)

	left := archivesJSON(t, c.dir)
	require.Len(t, left, 1)
	require.Equal(t, landlord.ArchiveArchiving, left[0].State)
	require.Equal(t, before, c.faxRows("alpha", true), "the column is intact after the kill")

	code, _, stderr = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	all := archivesJSON(t, c.dir, "--all")
	var kept []landlord.Archive
	for _, a := range all {
		if a.State == landlord.ArchiveKept {
			kept = append(kept, a)
		}
	}
	require.Len(t, kept, 1, "%+v", all)
	var tables, values int
	require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE '\\_strata\\_archive\\_%'", db).Scan(&tables))
	require.Equal(t, 1, tables)
	require.NoError(t, c.db.QueryRow("SELECT COUNT(fax) FROM `"+db+"`.`"+kept[0].Table+"`").Scan(&values))
	require.Equal(t, 27, values) // 40 rows, every third NULL

	c.write("templates/club/001_members.sql", withFax)
	c.tenant("alpha", "")
	c.commit("Revert \"drop fax\"")
	code, _, stderr = runBin(t, "apply", "--repo", c.dir, "--ref", "main")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, before, c.faxRows("alpha", true), "members after the revert")
}
