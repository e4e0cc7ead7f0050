package layers

import (
	"context"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec/ident"
)

// TestSweepScratch: a scratch database whose lock nobody holds (its process
// was killed) is dropped; one a live composer holds is kept.
func TestSweepScratch(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	abandoned, err := scratchName("deadbeef0001")
	if err != nil {
		t.Fatal(err)
	}
	live, err := scratchName("deadbeef0002")
	if err != nil {
		t.Fatal(err)
	}
	// Named like a scratch database but not in its exact shape: never swept.
	lookalike := dbtest.Name(ScratchPrefix + "eu_")
	for _, n := range []string{abandoned, live, lookalike} {
		if _, err := db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(n)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(n)) })
	}
	// A scratch user left by a killed composition, without its database.
	orphan, err := scratchName("deadbeef0003")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE USER "+ident.String(orphan)+"@'%'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(ctx, "DROP USER IF EXISTS "+ident.String(orphan)+"@'%'") })
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	var got int
	if err := holder.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", scratchLockName(live)).Scan(&got); err != nil || got != 1 {
		t.Fatalf("lock %s: %v (got %d)", live, err, got)
	}

	if _, err := SweepScratch(ctx, db); err != nil {
		t.Fatal(err)
	}
	exists := func(n string) bool {
		var c int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c == 1
	}
	if exists(abandoned) {
		t.Errorf("abandoned scratch database %s was not dropped", abandoned)
	}
	if !exists(live) {
		t.Errorf("scratch database %s held by a live composer was dropped", live)
	}
	var users int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE User = ?", orphan).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != 0 {
		t.Errorf("abandoned scratch user %s was not dropped", orphan)
	}
	if !exists(lookalike) {
		t.Errorf("database %s, not of the scratch shape, was dropped", lookalike)
	}
}
