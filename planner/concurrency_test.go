package planner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

const sharedDDL = `CREATE TABLE members (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NULL COLLATE utf8mb4_bin,
  UNIQUE KEY email (email)
);
CREATE TABLE notes (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id INT UNSIGNED NOT NULL,
  CONSTRAINT fk_notes_member FOREIGN KEY (member_id) REFERENCES members (id)
) CHARSET latin1;
`

// TestPlanSharesDesiredSafely plans many tenants in parallel against one
// cached composition (run with -race): every tenant gets its own correct plan
// and the shared desired schema is unchanged afterwards, although Atlas's
// SchemaDiff mutates its inputs.
func TestPlanSharesDesiredSafely(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	p, err := planner.New(ctx, db)
	require.NoError(t, err)
	desired, err := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci").ComposeLayers(ctx,
		[]*spec.Layer{dbtest.Layer(spec.LayerBasic, "basic", "basic/schema.sql", "-- "+t.Name()+"\n"+sharedDDL)})
	require.NoError(t, err)
	before, err := mysql.MarshalHCL(renamed(desired.Schema))
	require.NoError(t, err)

	prefix := dbtest.Name("strata_pc_")
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	// Even tenants are in sync, odd tenants miss the notes table, and every
	// fourth database does not exist.
	const n = 12
	want := make([]planner.Action, n)
	tenants := make([]*spec.Tenant, n)
	for i := range tenants {
		name := fmt.Sprintf("%s_%02d", prefix, i)
		tenants[i] = &spec.Tenant{Name: fmt.Sprintf("t%02d", i), Database: name, Status: spec.StatusActive}
		switch {
		case i%4 == 3:
			want[i] = planner.ActionCreate
			continue
		case i%2 == 0:
			want[i] = planner.ActionNone
		default:
			want[i] = planner.ActionChange
		}
		_, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
		require.NoError(t, err)
		stmts := statements(sharedDDL)
		if want[i] == planner.ActionChange {
			stmts = stmts[:1]
		}
		dbtest.Exec(t, db, name, stmts...)
	}

	plans := make([]planner.TenantPlan, n)
	var wg sync.WaitGroup
	for i := range tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans[i] = p.Plan(ctx, tenants[i], desired)
		}()
	}
	wg.Wait()
	for i, tp := range plans {
		require.Equal(t, want[i], tp.Action, "tenant %d:\n%s", i, planLines(tp))
		switch want[i] {
		case planner.ActionCreate:
			require.Len(t, tp.Statements, 2)
		case planner.ActionChange:
			require.Len(t, tp.Statements, 1)
			require.Contains(t, tp.Statements[0].SQL, "CREATE TABLE `notes`")
		}
	}
	after, err := mysql.MarshalHCL(renamed(desired.Schema))
	require.NoError(t, err)
	require.Equal(t, string(before), string(after), "the shared desired schema changed")
}

// renamed returns a shallow copy of s with a name, which MarshalHCL needs.
func renamed(s *schema.Schema) *schema.Schema {
	c := *s
	c.Name = "desired"
	return &c
}

func TestPlanEdgeCases(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	p, err := planner.New(ctx, db)
	require.NoError(t, err)
	desired, err := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci").ComposeLayers(ctx,
		[]*spec.Layer{dbtest.Layer(spec.LayerBasic, "basic", "basic/schema.sql", "-- "+t.Name()+"\nCREATE TABLE a (id INT PRIMARY KEY);\n")})
	require.NoError(t, err)
	missing := dbtest.Name("strata_pe_")

	live, err := p.Inspect(ctx, missing)
	require.NoError(t, err)
	require.Nil(t, live, "a missing database inspects as nil, nil")

	tests := []struct {
		name       string
		tenant     *spec.Tenant
		desired    *layers.Desired
		wantAction planner.Action
		wantError  string
	}{
		{"suspended is skipped", &spec.Tenant{Name: "s", Database: missing, Status: spec.StatusSuspended}, desired, planner.ActionSkip, ""},
		{"decommissioned is skipped", &spec.Tenant{Name: "d", Database: missing, Status: spec.StatusDecommissioned}, desired, planner.ActionSkip, ""},
		{"no composition fails", &spec.Tenant{Name: "n", Database: missing, Status: spec.StatusActive}, nil, planner.ActionFailed, "no desired schema"},
		{"missing database is created", &spec.Tenant{Name: "m", Database: missing, Status: spec.StatusActive}, desired, planner.ActionCreate, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := p.Plan(ctx, tt.tenant, tt.desired)
			require.Equal(t, tt.wantAction, tp.Action)
			require.Equal(t, tt.tenant.Name, tp.Name)
			require.NotNil(t, tp.Statements)
			if tt.wantError != "" {
				require.Contains(t, tp.Error, tt.wantError)
			} else {
				require.Empty(t, tp.Error)
			}
		})
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tp := p.Plan(cancelled, &spec.Tenant{Name: "c", Database: missing, Status: spec.StatusActive}, desired)
	require.Equal(t, planner.ActionFailed, tp.Action)
	require.Contains(t, tp.Error, "context canceled")
}
