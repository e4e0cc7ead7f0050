package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newValidateCmd() *cobra.Command {
	return &cobra.Command{Use: "validate", Hidden: true}
}
