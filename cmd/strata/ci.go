package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newCICmd() *cobra.Command {
	return &cobra.Command{Use: "ci", Hidden: true}
}
