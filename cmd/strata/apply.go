package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newApplyCmd() *cobra.Command {
	return &cobra.Command{Use: "apply", Hidden: true}
}
