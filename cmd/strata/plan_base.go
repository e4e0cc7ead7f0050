package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/spf13/cobra"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// runPlanBase is `strata plan --base REF`: plan the pull request from REF to
// the head (the working tree, or --ref) on the dev server only, and print
// it. An invalid side still prints the plan, with its problems, and exits 1.
func runPlanBase(cmd *cobra.Command, ff *fleetFlags, base string, f planner.Format) error {
	ctx := withContext(cmd)
	baseSide, err := loadSide(ff.repo, base)
	if err != nil {
		return err
	}
	headSide, err := loadSide(ff.repo, ff.ref)
	if err != nil {
		return err
	}
	var p *planner.PRPlan
	if baseSide.Valid() && headSide.Valid() {
		p, err = planOnDev(ctx, baseSide, headSide, ff.concurrency)
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
	if err := renderPR(cmd.OutOrStdout(), p, f, base); err != nil {
		return err
	}
	switch {
	case p.Failed():
		return &exitError{code: 1, err: errors.New("plan: the pull request cannot be planned completely: see the validation errors above")}
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

// planOnDev composes both sides on the head's dev server and plans the PR.
func planOnDev(ctx context.Context, base, head planner.PRSide, concurrency int) (*planner.PRPlan, error) {
	cfg := head.Fleet.Config
	name := cfg.Dev.Server
	if name == "" {
		name = cfg.Defaults.Server
	}
	srv, ok := cfg.Servers[name]
	if !ok {
		return nil, fmt.Errorf("plan: dev server %q is not under servers: in strata.yaml", name)
	}
	dsn, err := mysql.ParseDSN(srv.DSN)
	if err != nil {
		// The driver's error can quote the DSN, which holds a password.
		return nil, fmt.Errorf("plan: server %s: its dsn is not a valid go-sql-driver/mysql DSN; fix it in strata.yaml", name)
	}
	dsn.DBName = ""
	dsn.ParseTime, dsn.Loc = true, time.UTC
	connector, err := mysql.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("plan: server %s: %w", name, err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(2*concurrency + 2)
	charset, collation := cfg.Defaults.Charset, cfg.Defaults.Collation
	if charset == "" {
		charset = reconciler.DefaultCharset
	}
	if collation == "" {
		collation = reconciler.DefaultCollation
	}
	pl, err := planner.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("plan: dev server %s: %w", name, err)
	}
	return planner.PlanPR(ctx, base, head, planner.PROptions{
		Composer:    layers.New(db, charset, collation),
		Planner:     pl,
		Concurrency: concurrency,
	})
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
			Groups []planner.PRGroup `json:"groups"`
		}{p, p.Groups()})
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
	s := p.Summary
	fmt.Fprintf(&b, "Plan %s -> %s: %s: %d to create, %d to change (%s), %d blocked, %d failed validation, %d removed, %d unchanged\n",
		p.Base.Ref, p.Head.Ref, plural(s.Tenants, "tenant"), s.Create, s.Change, plural(s.Statements, "statement"), s.Blocked, s.Invalid, s.Removed, s.Unchanged)
	_, err := io.WriteString(w, b.String())
	return err
}
