package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newCredentialsCmd() *cobra.Command {
	return &cobra.Command{Use: "credentials", Hidden: true}
}
