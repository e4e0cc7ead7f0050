package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/spec"
)

// newValidateCmd is `strata validate`: load the config repo, print every
// problem, exit 1 when there is one.
func newValidateCmd() *cobra.Command {
	var f fleetFlags
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config repo: YAML against the CUE schemas, references, module graph and layer SQL",
		Long: `Check the config repo without touching a database: every YAML file against
its CUE definition, references between tenants, templates, modules and servers,
the module dependency graph, derived database names and the layer SQL.

Every problem is printed to stderr as path:line:col: message, with what to do
on the next line. Exit status 0: valid; 1: invalid.

With --ref, the commit a branch, tag or hash names is validated instead of the
working tree: exactly what the daemon loads (symbolic links, which a commit
cannot follow, are refused in both).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			repo := filepath.Clean(f.repo)
			snap, err := f.snapshot()
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			if snap.Commit != "" {
				repo += "@" + snap.Short()
			}
			fleet, err := spec.Load(snap.FS)
			var ds spec.Diagnostics
			if errors.As(err, &ds) {
				fmt.Fprintln(cmd.ErrOrStderr(), ds.Error())
				return &exitError{code: 1, err: fmt.Errorf("%s: invalid: %s", repo, plural(len(ds), "problem"))}
			}
			if err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid: %s, %s, %s\n", repo,
				plural(len(fleet.Tenants), "tenant"), plural(len(fleet.Templates), "template"), plural(len(fleet.Modules), "module"))
			return nil
		},
	}
	cmd.Flags().StringVar(&f.repo, "repo", ".", "config repo directory (holds strata.yaml)")
	cmd.Flags().StringVar(&f.ref, "ref", "", "validate the config repo at this Git branch, tag or commit instead of the working tree")
	return cmd
}
