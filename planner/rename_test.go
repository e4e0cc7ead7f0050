package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// renamePlan plans a tenant at current towards the layer ddl, declared
// renames included, and returns the plan, the planner and the database.
func renamePlan(t *testing.T, current, ddl string) (planner.TenantPlan, func() planner.TenantPlan, func(string) string) {
	t.Helper()
	db := dbtest.Open(t)
	ctx := context.Background()
	p, err := planner.New(ctx, db)
	require.NoError(t, err)
	layer := dbtest.Layer(spec.LayerBasic, "basic", "basic/schema.sql", ddl)
	renames, err := spec.ParseRenames("basic/schema.sql", []byte(ddl))
	require.NoError(t, err)
	layer.Files[0].Renames = renames
	desired, err := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci").ComposeLayers(ctx, []*spec.Layer{layer})
	require.NoError(t, err)
	prefix := dbtest.Name("strata_rn_")
	name := prefix + "_t"
	t.Cleanup(func() { dbtest.DropDatabases(t, db, prefix) })
	_, err = db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	require.NoError(t, err)
	dbtest.Exec(t, db, name, statements(current)...)
	tenant := &spec.Tenant{Name: "acme", Database: name, Server: "main", Status: spec.StatusActive, Layers: []*spec.Layer{layer}}
	tp := p.Plan(ctx, tenant, desired)
	apply := func() planner.TenantPlan {
		for _, s := range tp.Statements {
			require.False(t, s.Blocked, s.SQL)
			dbtest.Exec(t, db, name, s.SQL)
		}
		return p.Plan(ctx, tenant, desired)
	}
	query := func(q string) string {
		var v string
		require.NoError(t, db.QueryRowContext(ctx, strings.ReplaceAll(q, "DB.", "`"+name+"`.")).Scan(&v))
		return v
	}
	return tp, apply, query
}

func TestRenameKeepsData(t *testing.T) {
	tp, apply, query := renamePlan(t,
		"CREATE TABLE people (id INT NOT NULL PRIMARY KEY, fullname VARCHAR(50) NOT NULL);\nINSERT INTO people VALUES (1, 'Ada Lovelace');",
		"CREATE TABLE members ( -- strata:renamed-from people\n  id INT NOT NULL PRIMARY KEY,\n  name VARCHAR(80) NOT NULL -- strata:renamed-from fullname\n);")
	require.Equal(t, planner.ActionChange, tp.Action)
	again := apply()
	require.Equal(t, planner.ActionNone, again.Action, "%+v", again.Statements)
	require.Equal(t, "Ada Lovelace", query("SELECT name FROM DB.members WHERE id = 1"))
}

func TestRenameOldNameStillDeclared(t *testing.T) {
	tp, _, _ := renamePlan(t,
		"CREATE TABLE members (id INT NOT NULL PRIMARY KEY, fullname VARCHAR(50) NOT NULL);",
		"CREATE TABLE members (\n  id INT NOT NULL PRIMARY KEY,\n  name VARCHAR(50) NOT NULL -- strata:renamed-from fullname\n);\nALTER TABLE members ADD COLUMN fullname VARCHAR(50) NULL;")
	require.Equal(t, planner.ActionFailed, tp.Action)
	require.Contains(t, tp.Error, "basic/schema.sql:3: column members.name is declared renamed from fullname, but the table still has a column fullname")
}

func TestUndeclaredRenameSaysHowToKeepData(t *testing.T) {
	tp, _, _ := renamePlan(t,
		"CREATE TABLE members (id INT NOT NULL PRIMARY KEY, fullname VARCHAR(50) NULL);",
		"CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NULL);")
	require.Equal(t, planner.ActionBlocked, tp.Action)
	last := tp.Statements[len(tp.Statements)-1]
	require.True(t, last.Blocked)
	require.Equal(t, "DROP COLUMN members.fullname", last.Approval)
	require.Contains(t, last.Note, "`-- strata:renamed-from fullname`")
}
