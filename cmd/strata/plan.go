package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newPlanCmd() *cobra.Command {
	return &cobra.Command{Use: "plan", Hidden: true}
}
