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
	"github.com/stratadb/strata/planner/render"
)

// TestPRMarkdownLiveBudget: a live section larger than the budget is cut
// between groups, with the count of tenants left out, never mid-statement.
func TestPRMarkdownLiveBudget(t *testing.T) {
	var (
		prs   []planner.PRTenant
		lives []planner.TenantPlan
	)
	for i := 0; i < 800; i++ {
		name := fmt.Sprintf("tenant-%04d", i)
		prs = append(prs, prTenant(name, "ngo", planner.ActionNone))
		// Every tenant has its own hand-made column: no two group together.
		lives = append(lives, planner.TenantPlan{Name: name, Action: planner.ActionChange, Statements: []planner.Statement{addColumn("members", fmt.Sprintf("hand_ñ_%04d", i))}})
	}
	p := prPlan(prs...)
	p.CompareLive(&planner.Plan{Tenants: lives}, nil, "")
	require.Len(t, p.Live.Tenants, 800)
	for _, budget := range []int{6000, 0} {
		var buf bytes.Buffer
		require.NoError(t, render.PRMarkdown(&buf, p, render.PROptions{Budget: budget}))
		out := buf.String()
		if budget == 0 {
			budget = render.DefaultPRBudget
		}
		require.LessOrEqual(t, utf8.RuneCountInString(out), budget)
		require.Contains(t, out, "**800 of 800 tenants are not at `main`: 800 with earlier changes pending; 0 at the base.**")
		m := regexp.MustCompile(`… and (\d+) more tenants not shown \(comment size limit\); run ` + "`strata plan --base main --live`").FindStringSubmatch(out)
		require.NotNil(t, m, tail(out))
		n, _ := strconv.Atoi(m[1])
		shown := strings.Count(out, "(pending)")
		require.Equal(t, 800, shown+n, "shown + not shown = all tenants")
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "ALTER TABLE") {
				require.Regexp(t, "^ALTER TABLE `members` ADD COLUMN `hand_ñ_\\d{4}` varchar\\(30\\) NULL;$", line)
			}
		}
	}
}

func TestPRMarkdownLiveAllAtBase(t *testing.T) {
	p := prPlan(prTenant("a", "ngo", planner.ActionChange, addColumn("x", "y")), prTenant("b", "ngo", planner.ActionNone))
	p.CompareLive(&planner.Plan{Tenants: []planner.TenantPlan{
		{Name: "a", Action: planner.ActionChange, Statements: []planner.Statement{addColumn("x", "y")}},
		{Name: "b", Action: planner.ActionNone},
	}}, nil, "")
	var buf bytes.Buffer
	require.NoError(t, render.PRMarkdown(&buf, p, render.PROptions{}))
	require.Contains(t, buf.String(), "### What the merge meets on the live databases\n\n**All 2 tenants are at `main`: applying the merge runs exactly the changes below.**\n")
}
