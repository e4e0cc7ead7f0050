package render_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/planner/plantest"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/spec"
)

var (
	addColumn = plantest.AddColumn
	prPlan    = plantest.PRPlan
	prTenant  = plantest.PRTenant
)

func TestPRGroups(t *testing.T) {
	var many []planner.PRTenant
	for i := 0; i < 500; i++ {
		many = append(many, prTenant(fmt.Sprintf("t%03d", i), "ngo", planner.ActionChange, addColumn("projects", "phone")))
	}
	blocked := planner.Statement{SQL: "ALTER TABLE `projects` DROP COLUMN `fax`", Kind: planner.Destructive, Approval: "DROP COLUMN projects.fax", Blocked: true}
	tests := []struct {
		name    string
		tenants []planner.PRTenant
		want    []string // "action count template first" per group, in order
	}{
		{"500 identical tenants are one group", many, []string{"change 500 ngo t000"}},
		{"different statements split groups", []planner.PRTenant{
			prTenant("a", "ngo", planner.ActionChange, addColumn("projects", "phone")),
			prTenant("b", "ngo", planner.ActionChange, addColumn("projects", "email")),
			prTenant("c", "ngo", planner.ActionChange, addColumn("projects", "phone")),
		}, []string{"change 2 ngo a", "change 1 ngo b"}},
		{"mixed templates keep the group, without a template", []planner.PRTenant{
			prTenant("a", "ngo", planner.ActionChange, addColumn("settings", "x")),
			prTenant("b", "school", planner.ActionChange, addColumn("settings", "x")),
		}, []string{"change 2  a"}},
		{"failed, blocked, change, create order; unchanged and skipped left out", []planner.PRTenant{
			prTenant("new", "ngo", planner.ActionCreate, addColumn("x", "y")),
			prTenant("same", "ngo", planner.ActionNone),
			prTenant("off", "ngo", planner.ActionSkip),
			prTenant("chg", "ngo", planner.ActionChange, addColumn("projects", "phone")),
			{Template: "ngo", TenantPlan: planner.TenantPlan{Name: "blk", Action: planner.ActionBlocked, Statements: []planner.Statement{blocked}}, ApproveIn: []string{"tenants/blk/tenant.yaml"}},
			{TenantPlan: planner.TenantPlan{Name: "bad", Action: planner.ActionFailed, Error: "x.sql:1: no"}},
		}, []string{"failed 1  bad", "blocked 1 ngo blk", "change 1 ngo chg", "create 1 ngo new"}},
		{"tenants blocked by one template change share a group", []planner.PRTenant{
			{Template: "ngo", TenantPlan: planner.TenantPlan{Name: "a", Action: planner.ActionBlocked, Statements: []planner.Statement{blocked}}, ApproveIn: []string{"templates/ngo/template.yaml", "tenants/a/tenant.yaml"}},
			{Template: "ngo", TenantPlan: planner.TenantPlan{Name: "b", Action: planner.ActionBlocked, Statements: []planner.Statement{blocked}}, ApproveIn: []string{"templates/ngo/template.yaml", "tenants/b/tenant.yaml"}},
		}, []string{"blocked 2 ngo a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, g := range prPlan(tc.tenants...).Groups() {
				got = append(got, fmt.Sprintf("%s %d %s %s", g.Action, len(g.Tenants), g.Template, g.Tenants[0]))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

var (
	moreTenants    = regexp.MustCompile(`… and (\d+) more tenants? not shown`)
	moreStatements = regexp.MustCompile(`-- … and (\d+) more statements? not shown`)
)

// TestPRMarkdownBudget renders plans far larger than the budget and checks
// the size, the counts of what was left out, and that every statement shown
// is whole.
func TestPRMarkdownBudget(t *testing.T) {
	distinct := func(n int) *planner.PRPlan {
		var ts []planner.PRTenant
		for i := 0; i < n; i++ {
			// Every tenant has its own custom column: no two group together.
			ts = append(ts, prTenant(fmt.Sprintf("tenant-%04d", i), "ngo", planner.ActionChange, addColumn("members", fmt.Sprintf("custom_ñ_%04d", i))))
		}
		return prPlan(ts...)
	}
	huge := func(n int) *planner.PRPlan {
		var stmts []planner.Statement
		for i := 0; i < n; i++ {
			stmts = append(stmts, addColumn("members", fmt.Sprintf("c%04d", i)))
		}
		return prPlan(prTenant("big", "ngo", planner.ActionChange, stmts...))
	}
	tests := []struct {
		name              string
		plan              *planner.PRPlan
		budget            int
		wantMoreTenants   bool
		wantMoreStatement bool
	}{
		{"fits", distinct(3), 0, false, false},
		{"600 tenants in 6000 characters", distinct(600), 6000, true, false},
		{"200 tenants in the default budget", distinct(200), 0, false, false},
		{"5000 tenants in the default budget", distinct(5000), 0, true, false},
		{"one tenant with 2000 statements", huge(2000), 8000, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, render.PRMarkdown(&buf, tc.plan, render.PROptions{Budget: tc.budget}))
			out := buf.String()
			budget := tc.budget
			if budget == 0 {
				budget = render.DefaultPRBudget
			}
			require.LessOrEqual(t, utf8.RuneCountInString(out), budget)
			require.True(t, strings.HasPrefix(out, render.PRMarker+"\n"))

			shown := strings.Count(out, "<details>")
			m := moreTenants.FindStringSubmatch(out)
			require.Equal(t, tc.wantMoreTenants, m != nil, "truncation note:\n%s", tail(out))
			if m != nil {
				n, _ := strconv.Atoi(m[1])
				require.Equal(t, len(tc.plan.Tenants), shown+n, "shown + not shown = all tenants")
				require.Contains(t, out, "run `strata plan --base main` for the full plan")
			}
			ms := moreStatements.FindStringSubmatch(out)
			require.Equal(t, tc.wantMoreStatement, ms != nil)
			// Every SQL line in a block is one whole statement of the plan.
			want := map[string]bool{}
			for _, tn := range tc.plan.Tenants {
				for _, s := range tn.Statements {
					want[s.SQL+";"] = true
				}
			}
			lines := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "ALTER TABLE") {
					require.True(t, want[l], "statement cut or changed: %q", l)
					lines++
				}
			}
			if ms != nil {
				n, _ := strconv.Atoi(ms[1])
				require.Equal(t, len(tc.plan.Tenants[0].Statements), lines+n)
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 400 {
		return s[len(s)-400:]
	}
	return s
}

func TestPRMarkdownBlockedApprovalFile(t *testing.T) {
	blocked := planner.Statement{SQL: "ALTER TABLE `projects` DROP COLUMN `fax`", Kind: planner.Destructive, Approval: "DROP COLUMN projects.fax", Blocked: true}
	tests := []struct {
		name      string
		approveIn []string
		want      string
	}{
		{"custom layer: the tenant's file", []string{"tenants/acme/tenant.yaml"},
			"add `- DROP COLUMN projects.fax` under `approve.destructive` in `tenants/acme/tenant.yaml`\n"},
		{"module change: the module's file first", []string{"modules/donations/module.yaml", "tenants/acme/tenant.yaml"},
			"in `modules/donations/module.yaml` or `tenants/acme/tenant.yaml` (the first approves it for every tenant of that layer)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := prPlan(planner.PRTenant{TenantPlan: planner.TenantPlan{Name: "acme", Action: planner.ActionBlocked,
				Statements: []planner.Statement{blocked}}, ApproveIn: tc.approveIn})
			var buf bytes.Buffer
			require.NoError(t, render.PRMarkdown(&buf, p, render.PROptions{}))
			require.Contains(t, buf.String(), tc.want)
			require.Contains(t, buf.String(), "| Blocked | 1 |")
		})
	}
}

// TestPRRolloutOrder: the comment shows the order the merge takes through
// the waves of the tenants it changes; one wave shows nothing.
func TestPRRolloutOrder(t *testing.T) {
	var ts []planner.PRTenant
	head := &spec.Fleet{Config: spec.Config{Rollout: spec.Rollout{MaxFailures: 2}}}
	add := func(name string, wave int, action planner.Action) {
		ts = append(ts, prTenant(name, "ngo", action))
		head.Tenants = append(head.Tenants, &spec.Tenant{Name: name, Wave: wave})
	}
	add("a", 0, planner.ActionChange)
	add("b", 0, planner.ActionCreate)
	add("c", 0, planner.ActionChange)
	add("d", 1, planner.ActionBlocked)
	add("e", 2, planner.ActionChange)
	add("f", 2, planner.ActionNone)
	p := prPlan(ts...)
	p.Head.Fleet = head
	var buf bytes.Buffer
	require.NoError(t, render.PRMarkdown(&buf, p, render.PROptions{}))
	require.Contains(t, buf.String(), "**Rollout:** wave 0: 3 tenants, then wave 1: 1, then wave 2: 1. A wave with more than 2 failed tenants halts the rest")
	buf.Reset()
	require.NoError(t, render.PR(&buf, p, render.FormatText, render.PROptions{}))
	require.Contains(t, buf.String(), "Rollout: wave 0: 3 tenants, then wave 1: 1, then wave 2: 1\n")

	one := prPlan(prTenant("a", "ngo", planner.ActionChange))
	one.Head.Fleet = &spec.Fleet{Tenants: []*spec.Tenant{{Name: "a", Wave: 3}}}
	buf.Reset()
	require.NoError(t, render.PRMarkdown(&buf, one, render.PROptions{}))
	require.NotContains(t, buf.String(), "Rollout")
}
