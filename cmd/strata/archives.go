package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/render"
)

// newArchivesCmd: strata archives [--tenant T] — the data kept from
// approved drops; strata archives purge drops what expired.
func newArchivesCmd() *cobra.Command {
	var ff fleetFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "archives",
		Short: "List the data kept from approved drops, and until when",
		Long: `Before an approved DROP TABLE or DROP COLUMN runs, strata keeps the data in an
archive table in the tenant's database (_strata_archive_*) for archive.retention
(default 7d). A later commit that brings the same table or column back restores
it. Lists the kept archives (--all: restored, purged and abandoned ones too).`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "list restored, purged and abandoned archives too")
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
		recs, err := r.ListArchives(withContext(cmd), "")
		if err != nil {
			return err
		}
		var shown []landlord.Archive
		for _, a := range recs {
			if (all || a.State != landlord.ArchiveRestored && a.State != landlord.ArchivePurged && a.State != landlord.ArchiveAbandoned) &&
				(len(ff.tenants) == 0 || slices.Contains(ff.tenants, a.Tenant)) {
				shown = append(shown, a)
			}
		}
		return render.Archives(cmd.OutOrStdout(), shown, f)
	}
	cmd.AddCommand(newArchivesPurgeCmd())
	return cmd
}

// newArchivesPurgeCmd: strata archives purge [--tenant T] [--all].
func newArchivesPurgeCmd() *cobra.Command {
	var ff fleetFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Drop the archives whose retention has passed (the daemon does it too)",
		Long: `Drops the archive tables of approved drops whose archive.retention has passed
and records them purged; with --all, every kept archive (of --tenant when given).
A purged archive can no longer be restored. Exit code 1 when one could not be
purged (its tenant locked by a running apply, say).`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "purge every kept archive, expired or not")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		r, _, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		tenants := ff.tenants
		if len(tenants) == 0 {
			tenants = []string{""}
		}
		out, failed := cmd.OutOrStdout(), 0
		for _, tn := range tenants {
			got, err := r.PurgeArchives(withContext(cmd), reconciler.PurgeOptions{Tenant: tn, All: all})
			if err != nil {
				return err
			}
			for _, p := range got {
				if p.Error != "" {
					failed++
				}
			}
			if err := render.Purged(out, got); err != nil {
				return err
			}
		}
		if failed > 0 {
			return &exitError{code: 1, err: fmt.Errorf("%s not purged", plural(failed, "archive"))}
		}
		return nil
	}
	return cmd
}
