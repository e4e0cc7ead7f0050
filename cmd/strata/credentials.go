package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newCredentialsCmd: strata credentials TENANT — the app user's DSN.
func newCredentialsCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "credentials TENANT",
		Short: "Print the DSN the application uses for a tenant (its app user)",
		Long: `Print the go-sql-driver/mysql DSN of the tenant's app user (SELECT, INSERT,
UPDATE, DELETE on its database only), decrypted with the secret key. It is a
secret: pipe it where it is needed, do not log it.`,
		Args: cobra.ExactArgs(1),
	}
	ff.register(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		r, _, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		dsn, err := r.Credentials(withContext(cmd), args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), dsn)
		return nil
	}
	return cmd
}
