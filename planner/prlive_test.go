package planner_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// liveCase builds a PR plan whose base has tenant "t" with one layer, so the
// landlord's desired hash can equal the base's or not.
func liveCase(pr planner.PRTenant) (*planner.PRPlan, string) {
	base := &spec.Tenant{Name: "t", Layers: []*spec.Layer{{Name: "basic", Files: []*spec.File{{Path: "basic/1.sql", Content: []byte("CREATE TABLE x (id int)")}}}}}
	p := prPlan(pr)
	p.Base.Fleet = &spec.Fleet{Tenants: []*spec.Tenant{base}}
	return p, base.LayerHash()
}

func TestCompareLive(t *testing.T) {
	phone := addColumn("projects", "phone")
	email := addColumn("projects", "email")
	dropNotes := planner.Statement{SQL: "ALTER TABLE `projects` DROP COLUMN `notes`", Kind: planner.Destructive, Approval: "DROP COLUMN projects.notes", Blocked: true}
	copyTable := planner.Drift{Object: "TABLE projects_copy"}
	change := prTenant("t", "ngo", planner.ActionChange, phone)
	live := func(a planner.Action, stmts ...planner.Statement) planner.TenantPlan {
		return planner.TenantPlan{Name: "t", Action: a, Statements: stmts}
	}
	tests := []struct {
		name       string
		pr         planner.PRTenant
		live       planner.TenantPlan
		record     *planner.LiveRecord // nil: no landlord record; DesiredHash "base" means the base's hash
		want       planner.LiveFinding // "" means at the base: not listed
		wantExtra  []string
		wantAbsent []string
	}{
		{"live plan is the change: at the base", change, live(planner.ActionChange, phone),
			&planner.LiveRecord{Status: "active", DesiredHash: "base"}, "", nil, nil},
		{"unchanged and in sync", prTenant("t", "ngo", planner.ActionNone), live(planner.ActionNone), nil, "", nil, nil},
		{"a column added by hand since the base was applied: drift", change, live(planner.ActionBlocked, phone, dropNotes),
			&planner.LiveRecord{Status: "active", DesiredHash: "base"}, planner.LiveDrifted, []string{dropNotes.SQL}, nil},
		{"the same difference after an apply of another schema: pending", change, live(planner.ActionChange, phone, email),
			&planner.LiveRecord{Status: "active", DesiredHash: "older"}, planner.LivePending, []string{email.SQL}, nil},
		{"no landlord record: pending", change, live(planner.ActionChange, email), nil, planner.LivePending, []string{email.SQL}, []string{phone.SQL}},
		{"the change is already live", change, live(planner.ActionNone),
			&planner.LiveRecord{Status: "active", DesiredHash: "base"}, planner.LiveDrifted, nil, []string{phone.SQL}},
		{"no database: missing, whatever the statements", change, live(planner.ActionCreate, email, phone),
			&planner.LiveRecord{Status: "active", DesiredHash: "base"}, planner.LiveMissing, nil, nil},
		{"a new tenant without a database is the change", prTenant("t", "ngo", planner.ActionCreate, phone), live(planner.ActionCreate, phone), nil, "", nil, nil},
		{"a new tenant whose database exists", prTenant("t", "ngo", planner.ActionCreate, phone), live(planner.ActionNone), nil, planner.LiveExists, nil, []string{phone.SQL}},
		{"only a table no layer declares: unmanaged", change,
			planner.TenantPlan{Name: "t", Action: planner.ActionChange, Statements: []planner.Statement{phone}, Unmanaged: []planner.Drift{copyTable}},
			&planner.LiveRecord{Status: "active", DesiredHash: "base"}, planner.LiveUnmanaged, nil, nil},
		{"an unmanaged table the change itself leaves is the change's",
			planner.PRTenant{TenantPlan: planner.TenantPlan{Name: "t", Action: planner.ActionNone, Unmanaged: []planner.Drift{copyTable}}},
			planner.TenantPlan{Name: "t", Action: planner.ActionNone, Unmanaged: []planner.Drift{copyTable}}, nil, "", nil, nil},
		{"the live database cannot be planned", change, planner.TenantPlan{Name: "t", Action: planner.ActionFailed, Error: "planner: inspect: denied"},
			nil, planner.LiveFailed, nil, []string{phone.SQL}},
		{"suspended at head: not compared", prTenant("t", "ngo", planner.ActionSkip), live(planner.ActionSkip), nil, "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, hash := liveCase(tc.pr)
			records := map[string]planner.LiveRecord{}
			if tc.record != nil {
				r := *tc.record
				if r.DesiredHash == "base" {
					r.DesiredHash = hash
				}
				records["t"] = r
			}
			p.CompareLive(&planner.Plan{Tenants: []planner.TenantPlan{tc.live}}, records, "")
			if tc.want == "" {
				require.Empty(t, p.Live.Tenants)
				if tc.pr.Action != planner.ActionSkip {
					require.Equal(t, 1, p.Live.Summary.AtBase)
				}
				return
			}
			require.Len(t, p.Live.Tenants, 1)
			got := p.Live.Tenants[0]
			require.Equal(t, tc.want, got.Finding)
			require.Equal(t, tc.wantExtra, sqls(got.Extra), "extra")
			require.Equal(t, tc.wantAbsent, sqls(got.Absent), "absent")
			require.Equal(t, tc.want == planner.LiveFailed, p.Live.Failed())
		})
	}
}

func sqls(stmts []planner.Statement) []string {
	var out []string
	for _, s := range stmts {
		out = append(out, s.SQL)
	}
	return out
}

func TestPRLiveGroups(t *testing.T) {
	dropNotes := planner.Statement{SQL: "ALTER TABLE `projects` DROP COLUMN `notes`", Kind: planner.Destructive, Approval: "DROP COLUMN projects.notes", Blocked: true}
	l := &planner.PRLive{Tenants: []planner.PRLiveTenant{
		{Name: "p1", Template: "ngo", Finding: planner.LivePending, Record: "active, last applied c1", Extra: []planner.Statement{addColumn("x", "y")}},
		{Name: "d1", Template: "ngo", Finding: planner.LiveDrifted, Record: "active, last applied c2", Extra: []planner.Statement{dropNotes}},
		{Name: "p2", Template: "school", Finding: planner.LivePending, Record: "active, last applied c1", Extra: []planner.Statement{addColumn("x", "y")}},
		{Name: "p3", Template: "ngo", Finding: planner.LivePending, Record: "active, last applied c0", Extra: []planner.Statement{addColumn("x", "y")}},
		{Name: "m1", Template: "ngo", Finding: planner.LiveMissing},
		{Name: "f1", Finding: planner.LiveFailed, Error: "denied"},
	}}
	var got []string
	for _, g := range l.Groups() {
		got = append(got, fmt.Sprintf("%s %s %s", g.Finding, strings.Join(g.Tenants, ","), g.Template))
	}
	require.Equal(t, []string{"failed f1 ", "missing m1 ngo", "drifted d1 ngo", "pending p1,p2 ", "pending p3 ngo"}, got)
	require.Nil(t, (*planner.PRLive)(nil).Groups())
}

// TestCompareLiveArchives: the statements strata adds to keep an approved
// drop's data (a copy, a RENAME that is the DROP TABLE) are not differences
// from the pull request's change, and the drops' sizes, archived or lost,
// are listed.
func TestCompareLiveArchives(t *testing.T) {
	dropFax := planner.Statement{SQL: "ALTER TABLE `members` DROP COLUMN `fax`", Kind: planner.Destructive, Approval: "DROP COLUMN members.fax"}
	dropNotes := planner.Statement{SQL: "DROP TABLE `notes`", Kind: planner.Destructive, Approval: "DROP TABLE notes"}
	fax := planner.ArchiveStep{Op: planner.ArchiveKeep, Kind: "column", Object: "members.fax", Table: "_strata_archive_1_members_fax", Rows: 20, Values: 15, Bytes: 300}
	cp := planner.Statement{SQL: "CREATE OR REPLACE TABLE `_strata_archive_1_members_fax` (PRIMARY KEY (`id`)) SELECT `id`, `fax` FROM `members`", Kind: planner.Additive, Archive: &fax}
	faxDrop := dropFax
	faxLast := fax
	faxLast.Replaces = dropFax.SQL
	faxDrop.Archive = &faxLast
	notes := planner.ArchiveStep{Op: planner.ArchiveKeep, Kind: "table", Object: "notes", Rows: 7, Values: 7, Bytes: 16384, Replaces: dropNotes.SQL}
	rename := dropNotes
	rename.SQL = "RENAME TABLE `notes` TO `_strata_archive_2_notes`"
	rename.Archive = &notes
	change := prTenant("t", "ngo", planner.ActionChange, dropFax, dropNotes)
	p, hash := liveCase(change)
	live := planner.TenantPlan{Name: "t", Action: planner.ActionChange, Statements: []planner.Statement{cp, faxDrop, rename}}
	p.CompareLive(&planner.Plan{Tenants: []planner.TenantPlan{live}}, map[string]planner.LiveRecord{"t": {Status: "active", DesiredHash: hash}}, "")
	require.Empty(t, p.Live.Tenants, "the archive statements are differences")
	require.Equal(t, 1, p.Live.Summary.AtBase)
	require.Equal(t, []planner.PRLiveDrop{
		{Tenant: "t", Kind: "column", Object: "members.fax", Rows: 20, Values: 15, Bytes: 300, Archived: true},
		{Tenant: "t", Kind: "table", Object: "notes", Rows: 7, Values: 7, Bytes: 16384, Archived: true},
	}, p.Live.Drops)
}
