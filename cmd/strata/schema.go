package main

import "github.com/spf13/cobra"

// TODO(owner of this verb): implement.
func newSchemaCmd() *cobra.Command {
	return &cobra.Command{Use: "schema", Hidden: true}
}
