package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newInitCmd() *cobra.Command {
	return &cobra.Command{Use: "init", Hidden: true}
}
