package reconciler

import (
	"context"
	"strings"
	"testing"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// exactV1 and exactV2 differ only in attributes Atlas's diff does not see:
// AUTO_INCREMENT, ON UPDATE, a DECIMAL default past the 20th digit, a
// primary key's comment, a CHECK expression, and an index declared for a
// foreign key whose index MariaDB made before. exactV1 also declares
// INT(1), which Atlas reads as a boolean.
const (
	exactV1 = `CREATE TABLE members (
  id INT UNSIGNED NOT NULL,
  flag INT(1) NOT NULL DEFAULT 0,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  rate DECIMAL(30,25) NOT NULL DEFAULT 0.1234567890123456789012345,
  status VARCHAR(20) NOT NULL,
  PRIMARY KEY (id) COMMENT 'old',
  CONSTRAINT member_status CHECK (status IN ('todo','in_progress'))
);
CREATE TABLE notes (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id INT UNSIGNED NOT NULL,
  CONSTRAINT fk_notes_member FOREIGN KEY (member_id) REFERENCES members (id)
);
`
	exactV2 = `CREATE TABLE members (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  flag INT(1) NOT NULL DEFAULT 0,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  rate DECIMAL(30,25) NOT NULL DEFAULT 0.1234567890123456789099999,
  status VARCHAR(20) NOT NULL,
  PRIMARY KEY (id) COMMENT 'surrogate key',
  CONSTRAINT member_status CHECK (status IN ('todo','in_progress','done'))
);
CREATE TABLE notes (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id INT UNSIGNED NOT NULL,
  KEY notes_member (member_id),
  CONSTRAINT fk_notes_member FOREIGN KEY (member_id) REFERENCES members (id)
);
`
)

// TestApplyConvergesExactly: provisioning and every change between exactV1
// and exactV2 (both ways) leave the live schema exactly as the layer
// creates it, and a plan afterwards finds nothing. The changed CHECK waits
// for its approval like any destructive change.
func TestApplyConvergesExactly(t *testing.T) {
	f := newFixture(t)
	set := func(sql string, approve ...string) *spec.Tenant {
		tn := f.tenant("acme", layer(spec.LayerBasic, "basic", map[string]string{"basic/001.sql": sql}, nil))
		tn.Approve = spec.Approve{Destructive: approve}
		return tn
	}
	converge := func(step string, tn *spec.Tenant) {
		t.Helper()
		tr := f.result(f.apply(Options{}), "acme")
		if tr.Outcome != OutcomeConverged {
			t.Fatalf("%s: outcome %s (%s), want converged", step, tr.Outcome, tr.Error)
		}
		if got, want := f.live(tn.Database), f.reference(tn); got != want {
			t.Fatalf("%s: live schema differs from the layer's:\n%s\nwant:\n%s", step, got, want)
		}
		p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
		if err != nil || p.Tenants[0].Action != planner.ActionNone {
			t.Fatalf("%s: plan after apply: %v %+v", step, err, p.Tenants)
		}
	}
	converge("provision", set(exactV1))

	set(exactV2)
	tr := f.result(f.apply(Options{}), "acme")
	if tr.Outcome != OutcomeBlocked || !strings.Contains(strings.Join(approvals(tr.plan(f)), ","), "DROP CHECK members.member_status") {
		t.Fatalf("changed check unapproved: outcome %s (%s) %v, want blocked on DROP CHECK members.member_status", tr.Outcome, tr.Error, sqls(tr.Statements))
	}
	converge("to v2", set(exactV2, "DROP CHECK members.member_status", "DROP INDEX notes.fk_notes_member"))
	converge("back to v1", set(exactV1, "DROP CHECK members.member_status", "DROP INDEX notes.notes_member"))
}

// plan returns the tenant's plan as the fixture's reconciler makes it now.
func (tr TenantResult) plan(f *fixture) planner.TenantPlan {
	p, err := f.reconciler(Options{}).Plan(context.Background(), []string{tr.Name})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Tenants[0]
}

// TestDivergedNeverConverged: a difference no statement changes makes the
// apply diverged, never converged. strata plans no change of a table's
// partitioning (MariaDB rebuilds the table for it; Atlas does not see
// partitions), so a layer that partitions an existing table leaves it
// diverged: the column added with it is added, the landlord records the
// tenant and its run diverged with the table and attribute, apply exits 2,
// and plan says diverged after the apply; applying again records no
// converged run either.
func TestDivergedNeverConverged(t *testing.T) {
	f := newFixture(t)
	v1 := "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL);\n"
	v2 := "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, nick VARCHAR(30) NULL) PARTITION BY HASH (id) PARTITIONS 4;\n"
	f.tenant("acme", layer(spec.LayerBasic, "basic", map[string]string{"basic/001.sql": v1}, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("provision: %s %s", tr.Outcome, tr.Error)
	}
	f.tenant("acme", layer(spec.LayerBasic, "basic", map[string]string{"basic/001.sql": v2}, nil))
	const want = "members: partitioning differs (live: none, desired: PARTITION BY HASH (`id`) PARTITIONS 4)"
	res := f.apply(Options{})
	tr := f.result(res, "acme")
	if tr.Outcome != OutcomeDiverged || !strings.Contains(tr.Error, want) || res.ExitCode() != 2 || KindOf(tr.Err) != KindStalled {
		t.Fatalf("apply: outcome %s error %q kind %v exit %d, want diverged naming %q, stalled, exit 2", tr.Outcome, tr.Error, KindOf(tr.Err), res.ExitCode(), want)
	}
	store := f.store()
	rec, err := store.Tenant(f.ctx, "acme")
	if err != nil || rec.Status != landlord.StatusDiverged || !strings.Contains(rec.LastError, want) {
		t.Fatalf("landlord: %+v %v, want status diverged", rec, err)
	}
	run, err := store.LastRun(f.ctx, "acme")
	if err != nil || run.Outcome != landlord.RunDiverged {
		t.Fatalf("last run %+v %v, want diverged", run, err)
	}
	if !strings.Contains(f.live(rec.Database), "`nick` varchar(30)") {
		t.Fatalf("the column planned with the divergence was not added:\n%s", f.live(rec.Database))
	}
	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tp := p.Tenants[0]; tp.Action != planner.ActionDiverged || len(tp.Statements) != 0 || len(tp.Divergences) != 1 || tp.Divergences[0].String() != want || p.Summary.Diverged != 1 {
		t.Fatalf("plan after apply: action %s statements %v divergences %v summary %+v, want diverged naming %q", tp.Action, tp.Statements, tp.Divergences, p.Summary, want)
	}
	// Applying again finds the same: diverged, and no converged run.
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeDiverged {
		t.Fatalf("second apply: outcome %s (%s), want diverged", tr.Outcome, tr.Error)
	}
	if again, err := store.LastRun(f.ctx, "acme"); err != nil || again.Outcome == landlord.RunConverged {
		t.Fatalf("last run after the second apply %+v %v, want not converged", again, err)
	}
}

// TestPartitionChangedByHand: a partitioned tenant table whose partitions a
// person changed is not in sync. The snapshot fast path compares
// fingerprints, which read whether a table was partitioned but not how;
// with them plan said in sync after COALESCE PARTITION.
func TestPartitionChangedByHand(t *testing.T) {
	f := newFixture(t)
	ddl := "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL) PARTITION BY HASH (id) PARTITIONS 4;\n"
	f.tenant("acme", layer(spec.LayerBasic, "basic", map[string]string{"basic/001.sql": ddl}, nil))
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged {
		t.Fatalf("provision: %s %s", tr.Outcome, tr.Error)
	}
	f.wantPlan("after provisioning", planner.ActionNone)
	rec, err := f.store().Tenant(f.ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	f.exec("ALTER TABLE `" + rec.Database + "`.members COALESCE PARTITION 2")
	const want = "members: partitioning differs (live: PARTITION BY HASH (`id`) PARTITIONS 2, desired: PARTITION BY HASH (`id`) PARTITIONS 4)"
	p, err := f.reconciler(Options{}).Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tp := p.Tenants[0]; tp.Action != planner.ActionDiverged || len(tp.Divergences) != 1 || tp.Divergences[0].String() != want {
		t.Fatalf("plan: action %s divergences %v, want diverged naming %q", tp.Action, tp.Divergences, want)
	}
}
