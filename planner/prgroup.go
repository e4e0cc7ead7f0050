package planner

import (
	"sort"
	"strings"
)

// PRGroup is a set of tenants whose change is identical: the same action,
// statements (with kinds and approvals), unmanaged objects, error and
// approval files. A template change that reaches 500 tenants is one group.
type PRGroup struct {
	Action     Action      `json:"action"`
	Tenants    []string    `json:"tenants"`            // sorted
	Template   string      `json:"template,omitempty"` // the template every tenant of the group has, if they share one
	Statements []Statement `json:"statements"`
	Unmanaged  []Drift     `json:"unmanaged,omitempty"`
	Error      string      `json:"error,omitempty"`
	ApproveIn  []string    `json:"approve_in,omitempty"` // see PRTenant.ApproveIn; a tenant's own file is "tenants/<name>/tenant.yaml"
}

// Groups returns the tenants that need attention (anything but unchanged or
// skipped without findings), grouped by identical change: failures first,
// then blocked, changed and created groups, larger groups first.
func (p *PRPlan) Groups() []PRGroup {
	var (
		groups []*PRGroup
		byKey  = map[string]*PRGroup{}
	)
	for _, t := range p.Tenants {
		if !t.NeedsAttention() {
			continue
		}
		approveIn := sharedApproveIn(t)
		key := groupKey(t, approveIn)
		g, ok := byKey[key]
		if !ok {
			g = &PRGroup{Action: t.Action, Template: t.Template, Statements: t.Statements,
				Unmanaged: t.Unmanaged, Error: t.Error, ApproveIn: approveIn}
			byKey[key] = g
			groups = append(groups, g)
		}
		if g.Template != t.Template {
			g.Template = ""
		}
		g.Tenants = append(g.Tenants, t.Name)
	}
	out := make([]PRGroup, len(groups))
	for i, g := range groups {
		sort.Strings(g.Tenants)
		out[i] = *g
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := actionRank(a.Action), actionRank(b.Action); ra != rb {
			return ra < rb
		}
		if len(a.Tenants) != len(b.Tenants) {
			return len(a.Tenants) > len(b.Tenants)
		}
		return a.Tenants[0] < b.Tenants[0]
	})
	return out
}

// sharedApproveIn is t.ApproveIn with the tenant's own file written as
// "tenants/<name>/tenant.yaml", so tenants blocked by the same template
// change share a group.
func sharedApproveIn(t PRTenant) []string {
	if len(t.ApproveIn) == 0 {
		return nil
	}
	out := append([]string(nil), t.ApproveIn...)
	out[len(out)-1] = OwnApprovalFile
	return out
}

// OwnApprovalFile stands for each tenant's own tenant.yaml in a group.
const OwnApprovalFile = "tenants/<name>/tenant.yaml"

func groupKey(t PRTenant, approveIn []string) string {
	var b strings.Builder
	b.WriteString(string(t.Action))
	b.WriteString("\x00")
	b.WriteString(t.Error)
	for _, s := range t.Statements {
		b.WriteString("\x00")
		b.WriteString(string(s.Kind))
		if s.Blocked {
			b.WriteString(" blocked")
		}
		b.WriteString(" " + s.Approval + "\x01" + s.SQL)
	}
	for _, u := range t.Unmanaged {
		b.WriteString("\x00u " + u.Object)
	}
	b.WriteString("\x00a " + strings.Join(approveIn, ","))
	return b.String()
}

func actionRank(a Action) int {
	switch a {
	case ActionFailed:
		return 0
	case ActionBlocked:
		return 1
	case ActionChange:
		return 2
	case ActionCreate:
		return 3
	}
	return 4
}
