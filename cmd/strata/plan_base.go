package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// runPlanBase is `strata plan --base REF`: plan the pull request from REF to
// the head (the working tree, or --ref) on the dev server only, and print
// it. With live, also plan the head against the live databases and show
// where they are not at REF. An invalid side still prints the plan, with its
// problems, and exits 1; so does a tenant that cannot be planned live.
func runPlanBase(cmd *cobra.Command, ff *fleetFlags, base string, live bool, f planner.Format) error {
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
	if err := renderPR(cmd.OutOrStdout(), p, f, base); err != nil {
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

// renderPR writes p as Markdown (the PR comment), JSON, or a short text form.
func renderPR(w io.Writer, p *planner.PRPlan, f planner.Format, base string) error {
	switch f {
	case planner.FormatMarkdown:
		return planner.RenderPRMarkdown(w, p, planner.PRRenderOptions{Command: "strata plan --base " + base})
	case planner.FormatJSON:
		p.Summarize()
		return writeJSON(w, struct {
			*planner.PRPlan
			Groups     []planner.PRGroup     `json:"groups"`
			LiveGroups []planner.PRLiveGroup `json:"live_groups,omitempty"`
		}{p, p.Groups(), p.Live.Groups()})
	}
	return renderPRText(w, p)
}

// renderPRText prints one block per group and the summary last.
func renderPRText(w io.Writer, p *planner.PRPlan) error {
	var b strings.Builder
	for _, side := range []planner.PRSide{p.Base, p.Head} {
		for _, d := range side.Diagnostics {
			fmt.Fprintf(&b, "%s: %s\n", side.Ref, d.String())
		}
	}
	for _, g := range p.Groups() {
		fmt.Fprintf(&b, "%s (%s): %s\n", strings.Join(g.Tenants, ", "), g.Action, plural(len(g.Statements), "statement"))
		if g.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", g.Error)
		}
		for _, s := range g.Statements {
			fmt.Fprintf(&b, "  %s: %s;\n", s.Kind, s.SQL)
			if s.Blocked {
				fmt.Fprintf(&b, "    blocked: add `%s` under approve.destructive in %s\n", s.Approval, strings.Join(g.ApproveIn, " or "))
			}
		}
	}
	for _, n := range p.Removed {
		fmt.Fprintf(&b, "%s: removed from the config repo (database left in place)\n", n)
	}
	if p.Live != nil {
		renderLiveText(&b, p.Live)
	}
	s := p.Summary
	fmt.Fprintf(&b, "Plan %s -> %s: %s: %d to create, %d to change (%s), %d blocked, %d failed validation, %d removed, %d unchanged\n",
		p.Base.Ref, p.Head.Ref, plural(s.Tenants, "tenant"), s.Create, s.Change, plural(s.Statements, "statement"), s.Blocked, s.Invalid, s.Removed, s.Unchanged)
	_, err := io.WriteString(w, b.String())
	return err
}

// renderLiveText prints one line per live group, its differing statements
// below it.
func renderLiveText(b *strings.Builder, l *planner.PRLive) {
	if l.Note != "" {
		fmt.Fprintf(b, "live: %s\n", l.Note)
	}
	for _, g := range l.Groups() {
		fmt.Fprintf(b, "live %s (%s", strings.Join(g.Tenants, ", "), g.Finding)
		if g.Record != "" {
			fmt.Fprintf(b, "; landlord: %s", g.Record)
		}
		b.WriteString(")\n")
		if g.Error != "" {
			fmt.Fprintf(b, "  error: %s\n", g.Error)
		}
		for _, s := range g.Extra {
			fmt.Fprintf(b, "  also %s: %s;\n", s.Kind, s.SQL)
			if s.Blocked {
				fmt.Fprintf(b, "    blocked until `%s` is approved\n", s.Approval)
			}
		}
		for _, s := range g.Absent {
			fmt.Fprintf(b, "  not run here: %s;\n", s.SQL)
		}
		for _, u := range g.Unmanaged {
			fmt.Fprintf(b, "  unmanaged: %s\n", u.Object)
		}
	}
	s := l.Summary
	fmt.Fprintf(b, "Live: %s: %d at the base, %d failed, %d missing, %d drifted, %d pending, %d existing, %d with unmanaged tables\n",
		plural(s.Tenants, "tenant"), s.AtBase, s.Failed, s.Missing, s.Drifted, s.Pending, s.Exists, s.Unmanaged)
}
