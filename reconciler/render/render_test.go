package render_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/render"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// samplePlan covers every action, kind, a blocked statement next to a
// runnable one (beta counts as to change and as blocked), unmanaged
// drift, a failure and a divergence.
func samplePlan() *planner.Plan {
	return &planner.Plan{
		Commit: "4f1c2a9",
		Tenants: []planner.TenantPlan{
			{Name: "acme", Database: "tenant_acme", Server: "main", Action: planner.ActionChange, DesiredHash: "ab12",
				Statements: []planner.Statement{
					{SQL: "ALTER TABLE `members` ADD COLUMN `phone` varchar(30) NULL", Kind: planner.Additive},
					{SQL: "ALTER TABLE `members` ADD COLUMN `city` varchar(60) NOT NULL", Kind: planner.DataDependent, Codes: []string{"MY101"}},
					{SQL: "ALTER TABLE `members` DROP COLUMN `pager`", Kind: planner.Destructive, Codes: []string{"DS103"}, Approval: "DROP COLUMN members.pager"},
				}},
			{Name: "beta", Database: "tenant_beta", Server: "main", Action: planner.ActionBlocked, DesiredHash: "ab12",
				Statements: []planner.Statement{
					{SQL: "ALTER TABLE `members` ADD COLUMN `phone` varchar(30) NULL", Kind: planner.Additive},
					{SQL: "ALTER TABLE `members` DROP COLUMN `fax`", Kind: planner.Destructive, Codes: []string{"DS103"}, Approval: "DROP COLUMN members.fax", Blocked: true},
				},
				Unmanaged: []planner.Drift{{Object: "TABLE notes", Detail: "no layer declares it; kept"}}},
			{Name: "gamma", Database: "tenant_gamma", Server: "eu", Action: planner.ActionCreate, DesiredHash: "cd34",
				Statements: []planner.Statement{
					{SQL: "CREATE TABLE `members` (`id` int unsigned NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`))", Kind: planner.Additive},
				}},
			{Name: "delta", Database: "tenant_delta", Server: "main", Action: planner.ActionNone, DesiredHash: "ab12"},
			{Name: "epsilon", Database: "tenant_epsilon", Server: "eu", Action: planner.ActionFailed,
				Error: "tenants/epsilon/010_custom.sql:3: Unknown data type: 'oops' (error 4161)"},
			{Name: "zeta", Database: "tenant_zeta", Server: "eu", Action: planner.ActionSkip},
			{Name: "eta", Database: "tenant_eta", Server: "main", Action: planner.ActionDiverged, DesiredHash: "ab12",
				Divergences: []planner.Divergence{{Object: "members", Attribute: "column order", Live: "id, fax, name", Desired: "id, name, fax"}}},
		},
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		format render.Format
		opts   render.Options
		golden string
	}{
		{render.FormatText, render.Options{}, "plan.text.golden"},
		{render.FormatText, render.Options{Color: true}, "plan.text-color.golden"},
		{render.FormatJSON, render.Options{}, "plan.json.golden"},
		{render.FormatMarkdown, render.Options{}, "plan.markdown.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, render.Plan(&buf, samplePlan(), tt.format, tt.opts))
			path := filepath.Join("testdata", tt.golden)
			if *update {
				require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			require.Equal(t, string(want), buf.String())
		})
	}
}

func TestRenderSummaryLastAndFirst(t *testing.T) {
	// The example line, for the sample plan's counts.
	const want = "7 tenants: 1 to create, 2 to change (6 statements), 1 blocked, 1 in sync, 1 failed, 1 skipped, 1 diverged"
	tests := []struct {
		format render.Format
		check  func(t *testing.T, out string)
	}{
		{render.FormatText, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			require.Equal(t, want, lines[len(lines)-1])
		}},
		{render.FormatMarkdown, func(t *testing.T, out string) {
			require.True(t, strings.HasPrefix(out, "**"+want+"**\n"), out)
		}},
		{render.FormatJSON, func(t *testing.T, out string) {
			var got struct {
				Summary planner.Summary `json:"summary"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			require.Equal(t, planner.Summary{Tenants: 7, Create: 1, Change: 2, Statements: 6, Blocked: 1, InSync: 1, Failed: 1, Skipped: 1, Diverged: 1}, got.Summary)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, render.Plan(&buf, samplePlan(), tt.format, render.Options{}))
			tt.check(t, buf.String())
		})
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		name string
		s    planner.Summary
		want string
	}{
		{"issue example", planner.Summary{Tenants: 6, Create: 1, Change: 2, Statements: 7, Blocked: 1, InSync: 2},
			"6 tenants: 1 to create, 2 to change (7 statements), 1 blocked, 2 in sync"},
		{"failed and skipped", planner.Summary{Tenants: 3, InSync: 1, Failed: 1, Skipped: 1},
			"3 tenants: 0 to create, 0 to change (0 statements), 0 blocked, 1 in sync, 1 failed, 1 skipped"},
		{"singular", planner.Summary{Tenants: 1, Change: 1, Statements: 1},
			"1 tenant: 0 to create, 1 to change (1 statement), 0 blocked, 0 in sync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, render.SummaryLine(tt.s))
		})
	}
}

func TestRenderText(t *testing.T) {
	var plain, color bytes.Buffer
	require.NoError(t, render.Plan(&plain, samplePlan(), render.FormatText, render.Options{}))
	require.NoError(t, render.Plan(&color, samplePlan(), render.FormatText, render.Options{Color: true}))
	require.NotContains(t, plain.String(), "\x1b[", "no colour unless asked")
	require.Contains(t, color.String(), "\x1b[31m")
	out := plain.String()
	for _, want := range []string{
		"  + ALTER TABLE `members` ADD COLUMN `phone` varchar(30) NULL;",
		"  ~ ALTER TABLE `members` ADD COLUMN `city` varchar(60) NOT NULL;  -- data-dependent: MY101",
		"  - ALTER TABLE `members` DROP COLUMN `pager`;",
		"  ! ALTER TABLE `members` DROP COLUMN `fax`;",
		"      blocked: approve by adding `DROP COLUMN members.fax` under approve.destructive in tenants/beta/tenant.yaml",
		"    TABLE notes",
		"  error: tenants/epsilon/010_custom.sql:3:",
		"tenant eta (tenant_eta on main): diverged (not in sync)",
		"    members: column order differs (live: id, fax, name, desired: id, name, fax)",
	} {
		require.Contains(t, out, want+"", "text output:\n%s", out)
	}
	require.NotContains(t, out, "tenant delta", "in-sync tenants are only counted")
	require.NotContains(t, out, "tenant zeta", "skipped tenants are only counted")
	// Render must not change its input.
	p := samplePlan()
	require.NoError(t, render.Plan(&bytes.Buffer{}, p, render.FormatJSON, render.Options{}))
	require.Equal(t, samplePlan(), p)
}

func TestRenderJSONShape(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, render.Plan(&buf, samplePlan(), render.FormatJSON, render.Options{}))
	var doc struct {
		Tenants []map[string]json.RawMessage `json:"tenants"`
		Summary map[string]int               `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Tenants, 7)
	for _, k := range []string{"name", "database", "server", "action", "statements"} {
		require.Contains(t, doc.Tenants[0], k)
	}
	require.JSONEq(t, `[]`, string(doc.Tenants[3]["statements"]), "in-sync tenants have an empty list, not null")
	var stmts []map[string]any
	require.NoError(t, json.Unmarshal(doc.Tenants[1]["statements"], &stmts))
	require.Equal(t, map[string]any{"sql": "ALTER TABLE `members` DROP COLUMN `fax`", "kind": "destructive",
		"codes": []any{"DS103"}, "approval": "DROP COLUMN members.fax", "blocked": true}, stmts[1])
	for _, k := range []string{"tenants", "create", "change", "statements", "blocked", "in_sync", "failed", "skipped"} {
		require.Contains(t, doc.Summary, k)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    render.Format
		wantErr bool
	}{
		{"text", render.FormatText, false},
		{"JSON", render.FormatJSON, false},
		{" markdown ", render.FormatMarkdown, false},
		{"yaml", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := render.ParseFormat(tt.in)
			if tt.wantErr {
				require.ErrorContains(t, err, "use text, json or markdown")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	require.Error(t, render.Plan(&bytes.Buffer{}, samplePlan(), render.Format("xml"), render.Options{}))
}
