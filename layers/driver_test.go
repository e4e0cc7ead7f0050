package layers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ariga.io/atlas/sql/schema"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
)

// TestFKRewriteMatchesAtlas fails when Atlas's foreign-key query text
// changes (a new Atlas version): the rewrite would silently stop applying
// and every inspect would scan every database on the server again.
func TestFKRewriteMatchesAtlas(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	name := dbtest.Database(t, db, "strata_fk_")
	for _, q := range []string{
		"CREATE TABLE `" + name + "`.parents (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY code (code))",
		"CREATE TABLE `" + name + "`.children (id INT PRIMARY KEY, parent_id INT, parent_code INT," +
			" CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE," +
			" CONSTRAINT fk_code FOREIGN KEY (parent_code) REFERENCES parents (code) ON UPDATE SET NULL)",
		"CREATE TABLE `" + name + "`.lonely (id INT PRIMARY KEY)",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	drv, err := OpenDriver(ctx, db)
	require.NoError(t, err)
	s, err := drv.InspectSchema(ctx, name, &schema.InspectOptions{})
	require.NoError(t, err)
	require.EqualValues(t, 1, drv.Rewrites(), "Atlas's FK query text changed: update atlasFKsQuery (and fksQuery) in driver.go")

	children, ok := s.Table("children")
	require.True(t, ok)
	got := map[string]string{}
	for _, fk := range children.ForeignKeys {
		got[fk.Symbol] = fmt.Sprintf("%s(%s) upd=%s del=%s", fk.RefTable.Name, fk.RefColumns[0].Name, fk.OnUpdate, fk.OnDelete)
	}
	require.Equal(t, map[string]string{
		"fk_code":   "parents(code) upd=SET NULL del=RESTRICT",
		"fk_parent": "parents(id) upd=RESTRICT del=CASCADE",
	}, got)
}

// TestFKRewriteScansOneDatabase shows why the rewrite exists: MariaDB's
// plan for Atlas's query opens every database, the rewrite opens one.
func TestFKRewriteScansOneDatabase(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"atlas", fmt.Sprintf(atlasFKsQuery, "?, ?"), []any{"s", "s", "a", "b"}, "Scanned all databases"},
	}
	q, a, ok := rewriteFKs(tests[0].query, tests[0].args)
	require.True(t, ok)
	tests = append(tests, struct {
		name  string
		query string
		args  []any
		want  string
	}{"rewritten", q, a, "Scanned 1 database"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "EXPLAIN "+tt.query, tt.args...)
			require.NoError(t, err)
			defer rows.Close()
			cols, err := rows.Columns()
			require.NoError(t, err)
			var extras []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, rows.Scan(ptrs...))
				extras = append(extras, fmt.Sprintf("%s", vals[len(cols)-1]))
			}
			require.Len(t, extras, 2)
			for _, e := range extras {
				require.Contains(t, e, tt.want)
				if tt.name == "rewritten" {
					require.False(t, strings.Contains(e, "all databases"), e)
				}
			}
		})
	}
}

func TestRewriteFKsLeavesOtherQueries(t *testing.T) {
	tests := []struct {
		name  string
		query string
		args  []any
	}{
		{"other query", "SELECT 1", nil},
		{"too few args", fmt.Sprintf(atlasFKsQuery, "?"), []any{"s", "s"}},
		{"arg count mismatch", fmt.Sprintf(atlasFKsQuery, "?, ?"), []any{"s", "s", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, ok := rewriteFKs(tt.query, tt.args)
			require.False(t, ok)
		})
	}
}
