package schemas_test

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/encoding/yaml"

	"github.com/stratadb/strata/schemas"
)

// TestDefinitions checks each definition accepts a document a user would write
// and rejects one that breaks a rule.
func TestDefinitions(t *testing.T) {
	tests := []struct {
		name, def, doc string
		ok             bool
	}{
		{"config minimal", schemas.Config, "servers: {primary: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}", true},
		{"config no servers", schemas.Config, "database_prefix: t_", false},
		{"config unknown key", schemas.Config, "servers: {p: {dsn: x}}\nprefix: t_", false},
		{"config bad drift", schemas.Config, "servers: {p: {dsn: x}}\ndrift: {strategy: lazy}", false},
		{"template ok", schemas.Template, "name: ngo\nversion: 1.2.0\nmodules: {required: [a], optional: [b]}\napprove: {destructive: []}", true},
		{"template float version", schemas.Template, "name: ngo\nversion: 1.2", false},
		{"template bad semver", schemas.Template, "name: ngo\nversion: 1.2.x", false},
		{"module ok", schemas.Module, "name: financial-tracking\nrequires: [membership-management]\nconflicts: []\ntemplates: [ngo]", true},
		{"module bad name", schemas.Module, "name: Financial", false},
		{"tenant ok", schemas.Tenant, "name: nc\ntemplate: ngo\nmodules: [a]\nserver: primary\nstatus: active\nvars: {display_name: NC, year: 2024}\nwave: 2\nlabels: {region: east}\ndrift: {strategy: strict}\napprove: {destructive: ['DROP COLUMN members.fax']}", true},
		{"tenant bad status", schemas.Tenant, "name: nc\ntemplate: ngo\nstatus: paused", false},
		{"tenant negative wave", schemas.Tenant, "name: nc\ntemplate: ngo\nwave: -1", false},
		{"tenant missing template", schemas.Tenant, "name: nc", false},
		{"tenant name with underscore", schemas.Tenant, "name: n_c\ntemplate: ngo", false},
	}
	ctx := cuecontext.New()
	v, err := schemas.Value(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := yaml.Extract("doc.yaml", tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			doc := ctx.BuildFile(f)
			err = v.LookupPath(cue.ParsePath(tt.def)).Unify(doc).Validate(cue.Concrete(true))
			if tt.ok && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !tt.ok && err == nil {
				t.Errorf("want an error, got none")
			}
		})
	}
}

func TestSourceNamesEveryFile(t *testing.T) {
	src, err := schemas.Source()
	if err != nil {
		t.Fatal(err)
	}
	for _, def := range []string{"#Config:", "#Template:", "#Module:", "#Tenant:", "// schemas/tenant.cue"} {
		if !contains(src, def) {
			t.Errorf("Source() lacks %q", def)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
