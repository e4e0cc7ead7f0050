package planner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/spec"
)

// PRSide is one side of a pull request: the config repo at a commit (or the
// working tree), loaded into a Fleet, or the diagnostics that made it invalid.
type PRSide struct {
	Ref         string           `json:"ref"`              // as the user named it: "main", "HEAD", "worktree"
	Commit      string           `json:"commit,omitempty"` // full hash; "" for a working tree
	Fleet       *spec.Fleet      `json:"-"`                // nil when the side is invalid
	Diagnostics spec.Diagnostics `json:"diagnostics,omitempty"`
}

// Valid reports whether the side loaded.
func (s PRSide) Valid() bool { return s.Fleet != nil && len(s.Diagnostics) == 0 }

// PRTenant is what merging the pull request does to one tenant's desired
// schema.
type PRTenant struct {
	TenantPlan
	// Template is the tenant's template at head ("" for a removed tenant).
	Template string `json:"template,omitempty"`
	// ApproveIn lists the files where an approval for this tenant's blocked
	// statements may go, the recommended one first: the yaml of the template
	// or module whose layer changed (it approves for every tenant of that
	// layer), then the tenant's own tenant.yaml. Empty when nothing is blocked.
	ApproveIn []string `json:"approve_in,omitempty"`
	// Status is set when the pull request changes the tenant's status, e.g.
	// "active -> suspended".
	Status string `json:"status_change,omitempty"`
}

// PRPlan is the plan of a pull request: every tenant whose desired schema
// differs between the base and the head commit.
type PRPlan struct {
	Base PRSide `json:"base"`
	Head PRSide `json:"head"`
	// Tenants are the tenants of head, sorted by name; empty when either side
	// is invalid.
	Tenants []PRTenant `json:"tenants"`
	// Removed are tenants of base that head no longer has. strata stops
	// managing them; their databases are left in place.
	Removed []string  `json:"removed,omitempty"`
	Summary PRSummary `json:"summary"`
	// Live is what the merge meets on the live databases (plan --base
	// --live); nil when they were not read.
	Live *PRLive `json:"live,omitempty"`
}

// PRSummary counts a PRPlan's tenants.
type PRSummary struct {
	Tenants    int `json:"tenants"` // tenants at head
	Create     int `json:"create"`
	Change     int `json:"change"`
	Blocked    int `json:"blocked"`
	Unchanged  int `json:"unchanged"`
	Skipped    int `json:"skipped"`
	Removed    int `json:"removed"`
	Statements int `json:"statements"`
	// Invalid counts tenants that failed validation: a diagnostic in their
	// tenant directory, or a layer statement the dev server rejected.
	Invalid int `json:"failed_validation"`
	// Problems counts every validation diagnostic of both sides.
	Problems int `json:"problems"`
}

// Summarize recomputes p.Summary.
func (p *PRPlan) Summarize() {
	s := PRSummary{Tenants: len(p.Tenants), Removed: len(p.Removed)}
	invalid := map[string]bool{}
	for _, side := range []PRSide{p.Base, p.Head} {
		s.Problems += len(side.Diagnostics)
		for _, d := range side.Diagnostics {
			if name, ok := tenantOfPath(d.Path); ok {
				invalid[name] = true
			}
		}
	}
	for _, t := range p.Tenants {
		switch t.Action {
		case ActionCreate:
			s.Create++
		case ActionChange, ActionBlocked:
			runs, blocked := t.counts()
			s.Change += runs
			s.Blocked += blocked
		case ActionNone:
			s.Unchanged++
		case ActionSkip:
			s.Skipped++
		case ActionFailed:
			invalid[t.Name] = true
		}
		s.Statements += len(t.Statements)
	}
	s.Invalid = len(invalid)
	p.Summary = s
}

// Failed reports whether the plan is incomplete: a side is invalid or a
// tenant could not be planned.
func (p *PRPlan) Failed() bool {
	p.Summarize()
	return !p.Base.Valid() || !p.Head.Valid() || p.Summary.Invalid > 0
}

// Changes reports whether merging changes any tenant.
func (p *PRPlan) Changes() bool {
	p.Summarize()
	s := p.Summary
	return s.Create+s.Change+s.Blocked+s.Removed > 0
}

// tenantOfPath returns the tenant a repo path belongs to ("tenants/<name>/...").
func tenantOfPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "tenants/")
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, "/")
	return name, ok && name != ""
}

// PROptions tune PlanPR.
type PROptions struct {
	// Composer composes desired schemas on the dev server; both sides share
	// it, so an unchanged layer set is composed once.
	Composer *layers.Composer
	// Planner is a Planner on the same dev server (for sqlcheck).
	Planner *Planner
	// Concurrency bounds compositions and diffs at once (default 4).
	Concurrency int
}

// PlanPR plans the pull request from base to head on the dev server only: no
// tenant database is read. Each tenant's desired schema is composed at both
// commits (once per unique layer set) and the head is diffed against the
// base exactly as a live plan diffs against the live schema: classified and
// checked against the head's approvals. Tenants new at head get ActionCreate.
// When either side is invalid nothing is composed and the plan carries the
// diagnostics. The error is for a cancelled ctx only.
func PlanPR(ctx context.Context, base, head PRSide, opts PROptions) (*PRPlan, error) {
	p := &PRPlan{Base: base, Head: head, Tenants: []PRTenant{}}
	if !base.Valid() || !head.Valid() {
		p.Summarize()
		return p, nil
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Composer == nil || opts.Planner == nil {
		return nil, errors.New("planner: PlanPR needs a Composer and a Planner on the dev server")
	}
	p.Removed = removedTenants(base.Fleet, head.Fleet)
	comp, err := composeSides(ctx, opts, base.Fleet, head.Fleet)
	if err != nil {
		return nil, err
	}
	diffs := p.groupDiffs(base.Fleet, head.Fleet, comp)
	if err := diffs.run(ctx, opts); err != nil {
		return nil, fmt.Errorf("planner: plan pull request: %w", err)
	}
	p.fillPlans(diffs, base.Fleet, head.Fleet)
	p.Summarize()
	return p, nil
}

// removedTenants names the tenants of base that head no longer has, sorted.
func removedTenants(base, head *spec.Fleet) []string {
	var out []string
	for _, bt := range base.Tenants {
		if head.Tenant(bt.Name) == nil {
			out = append(out, bt.Name)
		}
	}
	sort.Strings(out)
	return out
}

// approveIn returns where an approval for head's blocked statements may go:
// the yaml of each template or module whose layer differs from base (an
// approval there covers every tenant of that layer), then the tenant's own
// tenant.yaml, which always counts.
func approveIn(base, head *spec.Tenant, fleet *spec.Fleet) []string {
	var out []string
	if base != nil {
		old := map[string]string{}
		for _, l := range base.Layers {
			old[l.ID()] = spec.HashLayers([]*spec.Layer{l})
		}
		for _, l := range head.Layers {
			if h, ok := old[l.ID()]; ok && h == spec.HashLayers([]*spec.Layer{l}) {
				continue
			}
			switch l.Kind {
			case spec.LayerTemplate:
				if tm := fleet.Templates[l.Name]; tm != nil && tm.Path != "" {
					out = append(out, tm.Path)
				}
			case spec.LayerModule:
				if m := fleet.Modules[l.Name]; m != nil && m.Path != "" {
					out = append(out, m.Path)
				}
			}
		}
	}
	path := head.Path
	if path == "" {
		path = "tenants/" + head.Name + "/tenant.yaml"
	}
	return append(out, path)
}

// WaveCount is how many tenants a merge changes in one wave.
type WaveCount struct {
	Wave    int `json:"wave"`
	Tenants int `json:"tenants"`
}

// Rollout is the order in which the merge reaches the tenants it changes
// (created, changed or blocked): how many per wave (tenant.yaml wave:, at
// head), lowest first. The daemon and strata apply roll out wave by wave.
func (p *PRPlan) Rollout() []WaveCount {
	if p.Head.Fleet == nil {
		return nil
	}
	wave := make(map[string]int, len(p.Head.Fleet.Tenants))
	for _, t := range p.Head.Fleet.Tenants {
		wave[t.Name] = t.Wave
	}
	by := map[int]int{}
	for _, t := range p.Tenants {
		if t.Action != ActionCreate && t.Action != ActionChange && t.Action != ActionBlocked {
			continue
		}
		if w, ok := wave[t.Name]; ok {
			by[w]++
		}
	}
	out := make([]WaveCount, 0, len(by))
	for w, n := range by {
		out = append(out, WaveCount{Wave: w, Tenants: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Wave < out[j].Wave })
	return out
}

// RolloutLine describes Rollout in one line, "wave 0: 3 tenants, then
// wave 1: 40, then wave 2: 957"; "" when the merge changes tenants of one
// wave or none (nothing is gated).
func (p *PRPlan) RolloutLine() string {
	waves := p.Rollout()
	if len(waves) < 2 {
		return ""
	}
	parts := make([]string, len(waves))
	for i, w := range waves {
		parts[i] = fmt.Sprintf("wave %d: %d", w.Wave, w.Tenants)
		if i == 0 {
			parts[i] += " tenant"
			if w.Tenants != 1 {
				parts[i] += "s"
			}
		}
	}
	return strings.Join(parts, ", then ")
}
