package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/jsonschema"
	"github.com/spf13/cobra"

	"github.com/stratadb/strata/schemas"
)

// schemaKinds maps --json-schema values to CUE definitions.
var schemaKinds = map[string]string{
	"config":   schemas.Config,
	"template": schemas.Template,
	"module":   schemas.Module,
	"tenant":   schemas.Tenant,
}

// newSchemaCmd is `strata schema`: print the CUE definitions of the config
// repo format, or one kind as JSON Schema for editors.
func newSchemaCmd() *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the CUE definitions of the config repo format (or JSON Schema with --json-schema)",
		Long: `Print the CUE definitions every YAML file of a config repo is validated
against: #Config (strata.yaml), #Template, #Module and #Tenant.

--json-schema KIND prints one kind as JSON Schema (draft 2020-12) for editors,
e.g. for yaml-language-server:
  strata schema --json-schema tenant > .schemas/tenant.json
  # yaml-language-server: $schema=../../.schemas/tenant.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind == "" {
				src, err := schemas.Source()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(cmd.OutOrStdout(), src)
				return err
			}
			def, ok := schemaKinds[kind]
			if !ok {
				return &exitError{code: 1, err: fmt.Errorf("schema: unknown kind %q: use config, template, module or tenant", kind)}
			}
			out, err := jsonSchema(def)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return err
		},
	}
	cmd.Flags().StringVar(&kind, "json-schema", "", "print this kind as JSON Schema: config, template, module or tenant")
	return cmd
}

// jsonSchema exports one CUE definition as indented JSON Schema.
func jsonSchema(def string) ([]byte, error) {
	ctx := cuecontext.New()
	v, err := schemas.Value(ctx)
	if err != nil {
		return nil, err
	}
	expr, err := jsonschema.Generate(v.LookupPath(cue.ParsePath(def)), nil)
	if err != nil {
		return nil, fmt.Errorf("schema: export %s as JSON Schema: %w", def, err)
	}
	js := ctx.BuildExpr(expr)
	if err := js.Err(); err != nil {
		return nil, fmt.Errorf("schema: export %s as JSON Schema: %w", def, err)
	}
	b, err := json.MarshalIndent(js, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("schema: export %s as JSON Schema: %w", def, err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}
