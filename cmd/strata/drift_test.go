package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDriftCommand runs the real binary against a real MariaDB: an applied
// fleet has no drift (exit 0); a column added by hand is reported with its
// severity and repair (exit 2, text and JSON), counted by strata status,
// and scoped by --tenant.
func TestDriftCommand(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	c.tenant("beta", "")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, _, stderr := runBin(t, "apply", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)

	code, out, stderr := runBin(t, "drift", "--repo", c.dir)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "Drift: 0 of 2 tenants drifted")

	_, err := c.db.Exec("ALTER TABLE `" + c.database("beta") + "`.members ADD fax VARCHAR(20) NULL")
	require.NoError(t, err)

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"text", []string{"drift"}, 2, []string{"beta (", "drifted, severity medium (score 5)", "+ column members.fax added", "DROP COLUMN `fax`", "blocked: add `DROP COLUMN members.fax`", "Drift: 1 of 2 tenants drifted (1 medium); 1 inspected"}},
		{"other tenant", []string{"drift", "--tenant", "alpha"}, 0, []string{"Drift: 0 of 1 tenant drifted"}},
		{"status", []string{"status"}, 0, []string{"1 drifted", "Drift: 1 medium"}},
		{"bad format", []string{"drift", "--format", "yaml"}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runBin(t, append(tc.args, "--repo", c.dir)...)
			require.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, stderr)
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
		})
	}

	code, out, _ = runBin(t, "drift", "--repo", c.dir, "--format", "json")
	require.Equal(t, 2, code)
	var res struct {
		Tenants []struct {
			Name, State, Severity string
			Differences           []struct{ Object, Change, Table, Name string }
		}
		Summary struct{ Drifted, Inspected int }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res), out)
	require.Equal(t, 1, res.Summary.Drifted)
	require.Len(t, res.Tenants, 2)
	require.Equal(t, "drifted", res.Tenants[1].State)
	require.Equal(t, "medium", res.Tenants[1].Severity)
	require.Len(t, res.Tenants[1].Differences, 1)
	require.Equal(t, "fax", res.Tenants[1].Differences[0].Name)
	require.Equal(t, "none", res.Tenants[0].State)
	require.False(t, strings.Contains(out, "password"))
}
