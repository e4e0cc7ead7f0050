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
	"github.com/stratadb/strata/reconciler/render"
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

// TestPRMarkdownLiveDrops: the live section gives the rows and bytes each
// approved drop archives or loses, before the merge approves it.
func TestPRMarkdownLiveDrops(t *testing.T) {
	p := prPlan(prTenant("acme", "ngo", planner.ActionNone))
	p.CompareLive(&planner.Plan{Tenants: []planner.TenantPlan{{Name: "acme", Action: planner.ActionNone}}}, nil, "")
	p.Live.Drops = []planner.PRLiveDrop{
		{Tenant: "acme", Kind: "column", Object: "members.fax", Rows: 1300, Values: 1204, Bytes: 20480, Archived: true},
		{Tenant: "acme", Kind: "table", Object: "notes", Rows: 9, Values: 9, Bytes: 16384, Note: "not archived (archive.retention is 0): the drop loses 9 rows (16.0 KB) of table notes"},
	}
	var buf bytes.Buffer
	require.NoError(t, render.PRMarkdown(&buf, p, render.PROptions{}))
	out := buf.String()
	require.Contains(t, out, "**Approved drops: 1204 values archived (20.0 KB; restored if a later commit brings the object back), 9 values lost (16.0 KB).**")
	require.Contains(t, out, "| acme | column `members.fax` | 1300 | 1204 | 20.0 KB | archived |")
	require.Contains(t, out, "| acme | table `notes` | 9 | 9 | 16.0 KB | **lost**: not archived (archive.retention is 0): the drop loses 9 rows (16.0 KB) of table notes |")
}
