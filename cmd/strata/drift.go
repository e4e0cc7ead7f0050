package main

import (
	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler/render"
)

// newDriftCmd: strata drift — which tenants were changed by hand since their
// last apply, how badly, and what would repair them. Exit 0 no drift, 2
// drift found, 1 error.
func newDriftCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Find tenant databases changed by hand since their last apply",
		Long: `Compare every tenant's live schema with the snapshot strata recorded at its last
successful apply (one fingerprint pass per server; only tenants that differ are
inspected). For each drifted tenant print the differences, a severity (low,
medium, high, critical) and the statements that would repair it, and record the
detection in the landlord (the tenant becomes drifted). Nothing in a tenant
database is changed: repairs happen on strata apply, per the drift strategy.
Exit status: 0 no drift, 2 drift found, 1 error.`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	format := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		r, _, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		res, err := r.Drift(withContext(cmd), ff.tenants)
		if err != nil {
			return err
		}
		if err := render.Drift(cmd.OutOrStdout(), res, f); err != nil {
			return err
		}
		if code := res.ExitCode(); code != 0 {
			return &exitError{code: code}
		}
		return nil
	}
	return cmd
}
