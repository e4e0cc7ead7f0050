package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler/landlord"
)

// newPauseCmd: strata pause --tenant NAME — an operational hold, recorded
// in the landlord, that every strata honours until strata resume.
func newPauseCmd() *cobra.Command {
	var ff fleetFlags
	var reason, by string
	cmd := &cobra.Command{
		Use:   "pause",
		Short: "Pause reconciliation of tenants (an operational hold, recorded in the landlord)",
		Long: `strata pause --tenant NAME records a hold in the landlord: neither strata run nor
strata apply changes the tenant until strata resume --tenant NAME (or the console's
Resume button). The spec is unchanged: the tenant still converges to Git once resumed.`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why, shown by strata status, the API and the console")
	cmd.Flags().StringVar(&by, "by", "", "who paused it (default: $USER)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return holdTenants(cmd, &ff, func(store *landlord.Store, name string) (string, error) {
			who := by
			if who == "" {
				who = envOr("USER", "strata pause")
			}
			return "paused", store.PutHold(withContext(cmd), landlord.Hold{Tenant: name, By: who, Reason: reason})
		})
	}
	return cmd
}

// newResumeCmd: strata resume --tenant NAME lifts a hold.
func newResumeCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Resume reconciliation of paused tenants",
		Args:  cobra.NoArgs,
	}
	ff.register(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return holdTenants(cmd, &ff, func(store *landlord.Store, name string) (string, error) {
			had, err := store.DeleteHold(withContext(cmd), name)
			if !had {
				return "was not paused", err
			}
			return "resumed", err
		})
	}
	return cmd
}

// holdTenants applies do to each --tenant, which must be in the config repo.
func holdTenants(cmd *cobra.Command, ff *fleetFlags, do func(*landlord.Store, string) (string, error)) error {
	if len(ff.tenants) == 0 {
		return &exitError{code: 1, err: errors.New("name the tenants with --tenant NAME")}
	}
	r, fleet, err := ff.reconciler(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer r.Close()
	for _, name := range ff.tenants {
		if fleet.Tenant(name) == nil {
			return &exitError{code: 1, err: fmt.Errorf("no tenant %s in the config repo: there is no tenants/%s/tenant.yaml", name, name)}
		}
	}
	store, err := r.Landlord(withContext(cmd)) // creates the holds table on a landlord older than it
	if err != nil {
		return err
	}
	for _, name := range ff.tenants {
		what, err := do(store, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", name, what)
	}
	return nil
}

// envOr is the environment variable k, or def when it is unset or empty.
func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
