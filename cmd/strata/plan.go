package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newPlanCmd: strata plan — what apply would do, changing nothing.
// Exit 0 in sync, 2 changes pending or blocked, 1 error.
func newPlanCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change in every tenant database (changes nothing)",
		Long: `Compose each tenant's desired schema from its layers, diff it against the live
database and print the plan. Exit status: 0 everything in sync, 2 changes pending
or blocked, 1 error.

With --base REF, plan a pull request instead: compose every tenant's desired
schema at REF and at the head (the working tree, or --ref) on the dev server
only, and show what the merge changes, grouped by identical change;
--format markdown writes the PR comment for ` + "`strata ci comment`" + `.
With --live as well, also plan the head against the live databases and the
landlord (reading only) and show what the merge meets there: tenants not at
REF (drift, changes still pending, a missing database) and unmanaged tables.`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	format := formatFlag(cmd)
	base := cmd.Flags().String("base", "", "plan a pull request: what merging the head (the working tree, or --ref) into this branch, tag or commit changes, composed on the dev server only")
	live := cmd.Flags().Bool("live", false, "with --base: also plan the head against the live databases and the landlord (read only) and show what the merge meets there")
	tell := notifyFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if *base != "" {
			return runPlanBase(cmd, &ff, *base, *live, f) // plan_base.go
		}
		if *live {
			return &exitError{code: 1, err: errors.New("plan: --live goes with --base REF (a plain plan is already live)")}
		}
		r, fleet, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		p, err := r.Plan(withContext(cmd), ff.tenants)
		if err != nil {
			return err
		}
		if *tell {
			n := newCLINotifier(cmd.ErrOrStderr(), fleet)
			n.plan(p)
			defer n.close()
		}
		out := cmd.OutOrStdout()
		if err := renderPlan(out, p, f); err != nil {
			return err
		}
		return planExit(p)
	}
	return cmd
}
