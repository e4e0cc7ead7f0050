package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newStatusCmd() *cobra.Command {
	return &cobra.Command{Use: "status", Hidden: true}
}
