package planner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// BenchmarkPlanInSync measures one full inspect + diff + classify of an
// in-sync 10-table tenant: the per-tenant cost the bulk fingerprint check of
// issue 4 avoids for tenants that are certainly in sync.
func BenchmarkPlanInSync(b *testing.B) {
	db := dbtest.Open(b)
	ctx := context.Background()
	var ddl strings.Builder
	for i := range 10 {
		fmt.Fprintf(&ddl, "CREATE TABLE t%d (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, "+
			"parent_id INT UNSIGNED NULL, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, KEY name (name)%s);\n",
			i, map[bool]string{true: "", false: fmt.Sprintf(", CONSTRAINT fk_t%d FOREIGN KEY (parent_id) REFERENCES t%d (id)", i, i-1)}[i == 0])
	}
	desired, err := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci").ComposeLayers(ctx,
		[]*spec.Layer{dbtest.Layer(spec.LayerBasic, "basic", "basic/schema.sql", "-- "+dbtest.Name("b")+"\n"+ddl.String())})
	if err != nil {
		b.Fatal(err)
	}
	name := dbtest.Database(b, db, "strata_pb_")
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "USE `"+name+"`"); err != nil {
		b.Fatal(err)
	}
	for _, s := range statements(ddl.String()) {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	_, _ = conn.ExecContext(ctx, "USE mysql")
	conn.Close()
	p, err := planner.New(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	tenant := &spec.Tenant{Name: "bench", Database: name, Status: spec.StatusActive}
	b.ResetTimer()
	for b.Loop() {
		if tp := p.Plan(ctx, tenant, desired); tp.Action != planner.ActionNone {
			b.Fatalf("not in sync: %s %v", tp.Error, tp.Statements)
		}
	}
}
