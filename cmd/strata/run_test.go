package main

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/landlord"
)

// TestRunFollowsCommits pushes the commits of a fleet's life to a running
// daemon and checks, after each, the live schemas, the landlord and the
// status API.
func TestRunFollowsCommits(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	c.tenant("beta", "")
	c0 := c.commit("two tenants")
	p := startDaemon(t, bin, c)

	// New tenants: provisioned, seeded once, recorded, served.
	waitApplied(t, p, c0, "alpha", "beta")
	assert.Equal(t, []string{"members.id", "members.name", "users.id", "users.email"}, c.columns("alpha"))
	var list httpapi.TenantList
	require.Equal(t, 200, p.get("/api/v1/tenants", &list))
	assert.Equal(t, c0, list.Commit)
	assert.True(t, list.Valid)
	assert.Equal(t, 2, list.Counts[landlord.StatusActive])
	require.Len(t, list.Tenants, 2)
	assert.Equal(t, "alpha", list.Tenants[0].Name)
	require.NotNil(t, list.Tenants[0].Daemon)
	assert.True(t, list.Tenants[0].Daemon.Converged)
	assert.Equal(t, 200, p.get("/healthz", nil))
	assert.Equal(t, 200, p.get("/readyz", nil))
	assert.Equal(t, 404, p.get("/api/v1/tenants/nobody", nil))

	// A new tenant goes first; the others are confirmed at the new commit.
	c.tenant("gamma", "")
	c1 := c.commit("add gamma")
	waitApplied(t, p, c1, "gamma", "alpha", "beta")
	assert.Equal(t, []string{"members.id", "members.name", "users.id", "users.email"}, c.columns("gamma"))
	assert.True(t, p.page("gamma").Daemon.Changed)
	assert.False(t, p.page("alpha").Daemon.Changed)

	// A module for one tenant.
	c.tenant("alpha", "modules: [events]\n")
	c2 := c.commit("alpha gets events")
	waitApplied(t, p, c2, "alpha", "beta", "gamma")
	assert.Contains(t, c.columns("alpha"), "events.title")
	assert.NotContains(t, c.columns("beta"), "events.title")

	// A custom column for one tenant.
	c.write("tenants/beta/001_nickname.sql", "ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL;\n")
	c3 := c.commit("beta: nickname")
	waitApplied(t, p, c3, "alpha", "beta", "gamma")
	assert.Contains(t, c.columns("beta"), "members.nickname")
	assert.NotContains(t, c.columns("alpha"), "members.nickname")
	pg := p.page("beta")
	require.NotEmpty(t, pg.History)
	assert.Equal(t, c3, pg.History[0].Commit)
	require.Len(t, pg.History[0].Statements, 1)
	assert.Contains(t, pg.History[0].Statements[0].SQL, "nickname")
	assert.Equal(t, landlord.StatementApplied, pg.History[0].Statements[0].Outcome)
	require.NotNil(t, pg.Snapshot)
	assert.Equal(t, pg.Tenant.LiveHash, pg.Snapshot.Hash)

	// An invalid commit is reported and never applied.
	c.tenant("gamma", "modules: [events\n")
	c4 := c.commit("broken yaml")
	waitFor(t, p, "the invalid commit reported", func() (bool, string) {
		var l httpapi.TenantList
		p.get("/api/v1/tenants", &l)
		return !l.Valid && l.Invalid != nil && l.Invalid.Commit == c4, fmt.Sprintf("valid=%v invalid=%+v", l.Valid, l.Invalid)
	})
	require.Equal(t, 200, p.get("/api/v1/tenants", &list))
	assert.Equal(t, c3, list.Commit, "the last valid commit stays applied")
	require.NotEmpty(t, list.Invalid.Errors)
	assert.Contains(t, list.Invalid.Errors[0], "tenants/gamma/tenant.yaml:")
	assert.Equal(t, "0", p.metric("strata_config_valid"))
	assert.Equal(t, "1", p.metric("strata_config_invalid_commits_total"))
	for _, r := range c.runs() {
		assert.NotEqual(t, c4, r.commit, "run %d applied the invalid commit", r.id)
	}
	assert.Equal(t, 200, p.get("/readyz", nil), "an invalid commit does not make the daemon unready")

	// The fix, with an unapproved drop: beta is blocked, the column stays.
	c.tenant("gamma", "")
	c.remove("tenants/beta/001_nickname.sql")
	c5 := c.commit("fix yaml; beta drops nickname")
	waitApplied(t, p, c5, "alpha", "gamma")
	waitFor(t, p, "beta blocked", func() (bool, string) {
		pg := p.page("beta")
		return pg.Tenant.LastAttemptedCommit == c5 && pg.Daemon.Class == "blocked", fmt.Sprintf("%s %s %s", pg.Tenant.LastAttemptedCommit, pg.Daemon.Class, pg.Tenant.LastError)
	})
	pg = p.page("beta")
	assert.Equal(t, "blocked: DROP COLUMN members.nickname awaits approval", pg.Tenant.LastError)
	assert.Equal(t, c3, pg.Tenant.LastAppliedCommit)
	assert.Equal(t, landlord.RunBlocked, pg.History[0].Outcome)
	assert.Contains(t, c.columns("beta"), "members.nickname")
	assert.Equal(t, "1", p.metric("strata_config_valid"))
	assert.Equal(t, "1", p.metric(`strata_tenants_waiting{class="blocked"}`))

	// Its approval, merged as PR #42: the drop runs and history names the PR.
	c.tenant("beta", "approve: { destructive: [\"DROP COLUMN members.nickname\"] }\n")
	c6 := c.commit("Merge pull request #42 from org/drop-nickname\n\nApprove the drop")
	waitApplied(t, p, c6, "beta", "alpha", "gamma")
	assert.NotContains(t, c.columns("beta"), "members.nickname")
	pg = p.page("beta")
	assert.Equal(t, 42, pg.History[0].PR)
	assert.Equal(t, c6, pg.History[0].Commit)
	// The column's values are archived first (archive.retention defaults to 7d).
	require.Len(t, pg.History[0].Statements, 2)
	assert.Contains(t, pg.History[0].Statements[0].SQL, "CREATE OR REPLACE TABLE `_strata_archive_")
	assert.Contains(t, pg.History[0].Statements[1].SQL, "DROP COLUMN")
	assert.Equal(t, "0", p.metric(`strata_tenants_waiting{class="blocked"}`))
	assert.Equal(t, "1", p.metric(fmt.Sprintf(`strata_applied_commit_info{commit=%q,pr="42"}`, c6)))

	// Every table was created exactly once, every seed ran once.
	created := map[string]int{}
	for _, r := range c.runs() {
		created[r.tenant] += r.createTable
	}
	assert.Equal(t, map[string]int{"alpha": 3, "beta": 2, "gamma": 2}, created)
	for _, name := range []string{"alpha", "beta", "gamma"} {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(name)+"`.users").Scan(&n))
		assert.Equal(t, 1, n, "seed rows of %s", name)
	}

	// SIGTERM: exit 0, nothing left running.
	p.stop()
	for _, r := range c.runs() {
		assert.True(t, !r.finished.IsZero() && r.outcome != landlord.RunRunning, "run %d of %s: %s", r.id, r.tenant, r.outcome)
	}
}

// TestRunKilledMidRolloutConverges holds a metadata lock on one tenant's
// table so its ALTER hangs, shows the other tenants converge meanwhile,
// SIGKILLs the daemon with that tenant's run open, and shows a restart
// closes the run as interrupted, converges, and repeats no work or seed.
func TestRunKilledMidRolloutConverges(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	for _, n := range []string{"t1", "t2", "t3"} {
		c.tenant(n, "")
	}
	c0 := c.commit("three tenants")
	p := startDaemon(t, bin, c)
	waitApplied(t, p, c0, "t1", "t2", "t3")

	// Hold t2's members table: the ALTER of the next commit waits for it.
	ctx := context.Background()
	hold, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer hold.Close()
	tx, err := hold.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.Exec("SELECT COUNT(*) FROM `" + c.database("t2") + "`.members")
	require.NoError(t, err)

	c.write("templates/club/002_phone.sql", "ALTER TABLE members ADD COLUMN phone VARCHAR(30) NULL;\n")
	c1 := c.commit("members get a phone")
	waitApplied(t, p, c1, "t1", "t3") // a stuck tenant holds up no one
	var stuck runRow
	waitFor(t, p, "t2's run open at c1", func() (bool, string) {
		for _, r := range c.runs() {
			if r.tenant == "t2" && r.commit == c1 && r.outcome == landlord.RunRunning {
				stuck = r
				return true, ""
			}
		}
		return false, "no running run"
	})
	assert.True(t, p.page("t2").Daemon.InFlight)

	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	require.NoError(t, tx.Rollback())
	// The killed daemon's ALTER may still finish server-side: let it end
	// before the restart plans t2.
	waitFor(t, p2dummy(t), "the orphaned ALTER to end", func() (bool, string) {
		var n int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND info LIKE 'ALTER TABLE%'", c.database("t2")).Scan(&n))
		return n == 0, fmt.Sprintf("%d ALTERs running", n)
	})
	for _, r := range c.runs() {
		if r.id == stuck.id {
			require.Equal(t, landlord.RunRunning, r.outcome, "the killed run is left open")
		}
	}

	p = startDaemon(t, bin, c)
	waitApplied(t, p, c1, "t1", "t2", "t3")
	assert.Contains(t, c.columns("t2"), "members.phone")
	perTenantAtC1 := map[string]int{}
	for _, r := range c.runs() {
		assert.False(t, r.finished.IsZero(), "run %d of %s still open: %s", r.id, r.tenant, r.outcome)
		assert.NotEqual(t, landlord.RunRunning, r.outcome, "run %d of %s", r.id, r.tenant)
		if r.id == stuck.id {
			assert.Equal(t, "interrupted", r.outcome)
		}
		if r.commit == c1 && r.id != stuck.id {
			perTenantAtC1[r.tenant]++
		}
	}
	// The restart did not redo t1 and t3 (the landlord shows them done). The
	// killed ALTER of t2 may still have finished on the server after the kill:
	// then the restart finds t2 in sync and records no new run; otherwise it
	// applies t2 once.
	assert.LessOrEqual(t, perTenantAtC1["t2"], 1, "runs of t2 after the restart")
	delete(perTenantAtC1, "t2")
	assert.Equal(t, map[string]int{"t1": 1, "t3": 1}, perTenantAtC1)
	// The metric is counted when the worker reports back, just after the
	// landlord recorded the tenant: wait for it, do not race it.
	waitFor(t, p, "the closed run counted", func() (bool, string) {
		v := p.metric("strata_interrupted_runs_closed_total")
		return v == "1", "strata_interrupted_runs_closed_total " + v
	})
	for _, n := range []string{"t1", "t2", "t3"} {
		var rows, seeds int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(n)+"`.users").Scan(&rows))
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.seed_runs WHERE tenant = ?", n).Scan(&seeds))
		assert.Equal(t, 1, rows, "seed rows of %s", n)
		assert.Equal(t, 1, seeds, "seed runs of %s", n)
	}
}

// TestRunTwoDaemonsApplyOnce starts two daemons on the same fleet at once:
// per-tenant locks and the landlord keep every tenant applied once, and no
// two runs of a tenant overlap. Then two shards split the tenants.
func TestRunTwoDaemonsApplyOnce(t *testing.T) {
	bin := buildRunBinary(t)
	c := newConfigRepo(t)
	names := []string{"ant", "bee", "cat", "dog"}
	for _, n := range names {
		c.tenant(n, "")
	}
	c0 := c.commit("four tenants")
	a := startDaemon(t, bin, c)
	b := startDaemon(t, bin, c)
	waitApplied(t, a, c0, names...)
	waitApplied(t, b, c0, names...)
	byTenant := map[string][]runRow{}
	for _, r := range c.runs() {
		byTenant[r.tenant] = append(byTenant[r.tenant], r)
	}
	for _, n := range names {
		created := 0
		for i, r := range byTenant[n] {
			created += r.createTable
			assert.Equal(t, landlord.RunConverged, r.outcome)
			if i > 0 { // runs of one tenant never overlap
				assert.False(t, r.started.Before(byTenant[n][i-1].finished), "runs %d and %d of %s overlap", byTenant[n][i-1].id, r.id, n)
			}
		}
		assert.Equal(t, 2, created, "CREATE TABLEs applied to %s", n)
		var rows int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.database(n)+"`.users").Scan(&rows))
		assert.Equal(t, 1, rows, "seed rows of %s", n)
	}
	a.kill()
	b.kill()

	// Shards: each replica owns a disjoint part, together all of them.
	c.write("templates/club/002_phone.sql", "ALTER TABLE members ADD COLUMN phone VARCHAR(30) NULL;\n")
	c1 := c.commit("phone")
	s0 := startDaemon(t, bin, c, "--shard", "0/2")
	s1 := startDaemon(t, bin, c, "--shard", "1/2")
	owned := map[string]string{}
	for _, s := range []*daemonProc{s0, s1} {
		var l httpapi.TenantList
		waitFor(t, s, "a loaded fleet", func() (bool, string) {
			s.get("/api/v1/tenants", &l)
			return l.Commit == c1, l.Commit
		})
		for _, e := range l.Tenants {
			if e.Daemon != nil {
				assert.Empty(t, owned[e.Name], "%s owned twice", e.Name)
				owned[e.Name] = l.Shard
			}
		}
	}
	assert.Len(t, owned, len(names))
	waitApplied(t, s0, c1, names...)
	for _, n := range names {
		assert.Contains(t, c.columns(n), "members.phone")
	}
	// The landlord's history: each tenant applied once at c1, by its shard alone.
	perTenant := map[string]int{}
	for _, r := range c.runs() {
		if r.commit == c1 {
			perTenant[r.tenant]++
			assert.Equal(t, landlord.RunConverged, r.outcome, "run %d of %s", r.id, r.tenant)
		}
	}
	for _, n := range names {
		var alters int
		require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.apply_statements s JOIN `"+c.ll+"`.apply_runs r ON r.id = s.run_id "+
			"WHERE r.tenant = ? AND s.outcome = 'applied' AND s.sql_text LIKE '%phone%'", n).Scan(&alters))
		assert.Equal(t, 1, perTenant[n], "runs of %s at the phone commit", n)
		assert.Equal(t, 1, alters, "phone ALTERs applied to %s", n)
	}
}
