package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"ariga.io/atlas/sql/schema"
	"golang.org/x/sync/errgroup"

	"github.com/stratadb/strata/spec"
)

// A pull request is diffed once per unique (base layer set, head layer set,
// approvals), however many tenants share it.

// prDiff is one diff of a pull request's plan, shared by every tenant with
// the same base set, head set and approvals.
type prDiff struct {
	base, head *composition
	approve    spec.Approve
	tenant     *spec.Tenant
	out        TenantPlan
}

// prDiffs are a pull request's diffs by key, and each head tenant's key
// ("" for a tenant that is not planned).
type prDiffs struct {
	byKey map[string]*prDiff
	keys  []string
}

// groupDiffs sets p.Tenants to one entry per head tenant (inactive ones
// skipped) and groups the active ones by the diff they need.
func (p *PRPlan) groupDiffs(base, head *spec.Fleet, comp *compositions) prDiffs {
	d := prDiffs{byKey: map[string]*prDiff{}, keys: make([]string, len(head.Tenants))}
	p.Tenants = make([]PRTenant, len(head.Tenants))
	for i, ht := range head.Tenants {
		pt := PRTenant{Template: ht.Template}
		pt.TenantPlan = TenantPlan{Name: ht.Name, Database: ht.Database, Server: ht.Server, Statements: []Statement{}, DesiredHash: ht.LayerHash()}
		bt := base.Tenant(ht.Name)
		if bt != nil && bt.Status != ht.Status {
			pt.Status = string(bt.Status) + " -> " + string(ht.Status)
		}
		p.Tenants[i] = pt
		if !active(ht) {
			p.Tenants[i].Action = ActionSkip
			continue
		}
		var bc *composition
		if bt != nil {
			bc = comp.get(bt.LayerHash())
		}
		hc := comp.get(ht.LayerHash())
		key := hc.hash + "|" + strings.Join(canonicalAll(ht.Approve.Destructive), "\x00")
		if bc != nil {
			key = bc.hash + "|" + key
		}
		d.keys[i] = key
		if _, ok := d.byKey[key]; !ok {
			d.byKey[key] = &prDiff{base: bc, head: hc, approve: ht.Approve, tenant: ht}
		}
	}
	return d
}

// run plans every diff, opts.Concurrency at once.
func (d prDiffs) run(ctx context.Context, opts PROptions) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	for _, j := range d.byKey {
		g.Go(func() error {
			j.out = opts.Planner.planChange(gctx, j.tenant, j.base, j.head, j.approve)
			return gctx.Err()
		})
	}
	return g.Wait()
}

// fillPlans copies each planned tenant's diff into its entry, with where
// its approvals go when it is blocked.
func (p *PRPlan) fillPlans(d prDiffs, base, head *spec.Fleet) {
	for i, ht := range head.Tenants {
		if d.keys[i] == "" {
			continue
		}
		out := d.byKey[d.keys[i]].out
		t := &p.Tenants[i]
		t.Action, t.Error, t.Unmanaged = out.Action, out.Error, out.Unmanaged
		t.Statements = append([]Statement{}, out.Statements...)
		if t.Blocked() {
			t.ApproveIn = approveIn(base.Tenant(ht.Name), ht, head)
		}
	}
}

func active(t *spec.Tenant) bool {
	return t.Status != spec.StatusSuspended && t.Status != spec.StatusDecommissioned
}

func canonicalAll(approvals []string) []string {
	out := make([]string, len(approvals))
	for i, a := range approvals {
		out[i] = canonical(a)
	}
	sort.Strings(out)
	return out
}

// planChange plans t from base (nil: the database is created) to head with
// the head's approvals. The statements are what applying the merge will run
// on a tenant whose live schema is at base.
func (p *Planner) planChange(ctx context.Context, t *spec.Tenant, base, head *composition, approve spec.Approve) TenantPlan {
	tp := TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Statements: []Statement{}, DesiredHash: head.hash}
	if head.err != nil {
		return failed(tp, head.err)
	}
	if base != nil && base.err != nil {
		return failed(tp, fmt.Errorf("at base: %w", base.err))
	}
	tp.Action = ActionCreate
	from := &schema.Schema{Name: t.Database}
	if base != nil {
		tp.Action = ActionNone
		if base.hash == head.hash {
			return tp
		}
		from = CopySchema(base.desired.Schema, t.Database)
	}
	ex := exactBetween(base, head)
	stmts, unmanaged, err := p.diff(ctx, from, head.desired.Schema, approve, spec.Renames(t.Layers), ex)
	if err != nil {
		return failed(tp, err)
	}
	return settle(tp, stmts, unmanaged, ex)
}
