package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// runPlanBase is `strata plan --base REF`: plan the pull request from REF to
// the head (the working tree, or --ref) on the dev server only, and print
// it. With live, also plan the head against the live databases and show
// where they are not at REF. An invalid side still prints the plan, with its
// problems, and exits 1; so does a tenant that cannot be planned live.
func runPlanBase(cmd *cobra.Command, ff *fleetFlags, base string, live bool, f render.Format) error {
	ctx := withContext(cmd)
	baseSide, err := loadSide(ff.repo, base)
	if err != nil {
		return err
	}
	headSide, err := loadSide(ff.repo, ff.ref)
	if err != nil {
		return err
	}
	var (
		p *planner.PRPlan
		r *reconciler.Reconciler
	)
	if baseSide.Valid() && headSide.Valid() {
		// The head's servers: its dev server composes both sides.
		r, err = ff.newReconciler(headSide.Fleet, cmd.ErrOrStderr(), func(o *reconciler.Options) { o.Commit = headSide.Commit })
		if err != nil {
			return err
		}
		defer r.Close()
		p, err = r.PlanPR(ctx, baseSide, headSide)
	} else {
		p, err = planner.PlanPR(ctx, baseSide, headSide, planner.PROptions{})
	}
	if err != nil {
		return err
	}
	if len(ff.tenants) > 0 {
		if err := selectPRTenants(p, ff.tenants); err != nil {
			return err
		}
	}
	if live && r != nil {
		if err := planLive(ctx, r, p); err != nil {
			return err
		}
	}
	if err := render.PR(cmd.OutOrStdout(), p, f, render.PROptions{Command: "strata plan --base " + base}); err != nil {
		return err
	}
	switch {
	case p.Failed():
		return &exitError{code: 1, err: errors.New("plan: the pull request cannot be planned completely: see the validation errors above")}
	case p.Live.Failed():
		return &exitError{code: 1, err: fmt.Errorf("plan --live: %s could not be planned against the live databases: see above", plural(p.Live.Summary.Failed, "tenant"))}
	case p.Changes():
		return &exitError{code: 2}
	}
	return nil
}

// loadSide reads the config repo at ref ("" for the working tree) and loads
// it. Invalid config is returned in the side, not as an error.
func loadSide(repo, ref string) (planner.PRSide, error) {
	var (
		snap source.Snapshot
		err  error
	)
	side := planner.PRSide{Ref: ref}
	if ref == "" {
		side.Ref = "worktree"
		snap, err = source.Worktree(repo)
	} else {
		var r *source.Repo
		if r, err = source.OpenRepo(repo); err == nil {
			snap, err = r.Snapshot(ref)
		}
	}
	if err != nil {
		return side, err
	}
	side.Commit = snap.Commit
	fleet, err := spec.Load(snap.FS)
	var diags spec.Diagnostics
	if errors.As(err, &diags) {
		side.Diagnostics = diags
		return side, nil
	}
	if err != nil {
		return side, err
	}
	side.Fleet = fleet
	return side, nil
}

// planLive plans p's head tenants against their live databases with r
// (reconciler.Plan, the function apply uses) and reads the landlord's
// tenant records, neither changing anything, and sets p.Live from the
// comparison with the pull request's change. The drift sweep is not used:
// it records what it finds.
func planLive(ctx context.Context, r *reconciler.Reconciler, p *planner.PRPlan) error {
	names := make([]string, 0, len(p.Tenants))
	for _, t := range p.Tenants {
		names = append(names, t.Name)
	}
	live := &planner.Plan{}
	if len(names) > 0 { // none: --tenant named only removed tenants
		var err error
		if live, err = r.Plan(ctx, names); err != nil {
			return fmt.Errorf("plan --live: %w", err)
		}
	}
	records, note, err := landlordRecords(ctx, r)
	if err != nil {
		return err
	}
	p.CompareLive(live, records, note)
	return nil
}

// landlordRecords reads every tenant record of the landlord without creating
// or migrating it. A landlord that does not exist yet has no records; the
// note says so.
func landlordRecords(ctx context.Context, r *reconciler.Reconciler) (map[string]planner.LiveRecord, string, error) {
	store, err := r.ReadLandlord(ctx)
	if errors.Is(err, reconciler.ErrNoLandlord) {
		return nil, fmt.Sprintf("The landlord database %s does not exist yet: strata has applied no tenant.", r.LandlordDatabase()), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("plan --live: %w", err)
	}
	tenants, err := store.Tenants(ctx, 0)
	if err != nil {
		return nil, "", fmt.Errorf("plan --live: read the landlord %s: %w", store.Database(), err)
	}
	out := make(map[string]planner.LiveRecord, len(tenants))
	for _, t := range tenants {
		out[t.Name] = planner.LiveRecord{Status: string(t.Status), DesiredHash: t.DesiredHash, LastApplied: t.LastAppliedCommit, LastError: t.LastError}
	}
	return out, "", nil
}

// selectPRTenants keeps only the named tenants of p.
func selectPRTenants(p *planner.PRPlan, names []string) error {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	known := map[string]bool{}
	var kept []planner.PRTenant
	for _, t := range p.Tenants {
		known[t.Name] = true
		if want[t.Name] {
			kept = append(kept, t)
		}
	}
	var removed []string
	for _, n := range p.Removed {
		known[n] = true
		if want[n] {
			removed = append(removed, n)
		}
	}
	if p.Base.Valid() && p.Head.Valid() {
		for _, n := range names {
			if !known[n] {
				return fmt.Errorf("plan: unknown tenant %q: it is in neither the base nor the head", n)
			}
		}
	}
	p.Tenants, p.Removed = kept, removed
	p.Summarize()
	return nil
}
