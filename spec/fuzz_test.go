package spec

import (
	"errors"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary strata.yaml, tenant.yaml and layer SQL to the
// loader: it must return a fleet or Diagnostics, never panic.
func FuzzLoad(f *testing.F) {
	f.Add("servers: {p: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}", "name: t\ntemplate: tpl\n", "CREATE TABLE a (id INT);", "INSERT INTO a VALUES ({{ .Tenant.Name }});")
	f.Add("servers: [", "name: [", "CREATE TABLE `a", "{{")
	f.Add("servers: {p: {dsn: '${X'}}", "- 1\n- 2", "/*! x */ ALTER", "'{{ \"'\" }}")
	f.Add("", "", "DELIMITER", "")
	f.Fuzz(func(t *testing.T, config, tenant, layer, seed string) {
		fsys := fstest.MapFS{
			"strata.yaml":                 {Data: []byte(config)},
			"templates/tpl/template.yaml": {Data: []byte("name: tpl\nversion: 1.0.0\n")},
			"templates/tpl/001.sql":       {Data: []byte(layer)},
			"tenants/t/tenant.yaml":       {Data: []byte(tenant)},
			"tenants/t/seed/001.sql":      {Data: []byte(seed)},
		}
		fleet, err := Load(fsys, WithLookupEnv(func(string) (string, bool) { return "", false }))
		var ds Diagnostics
		switch {
		case err == nil && fleet == nil:
			t.Fatal("nil fleet without an error")
		case err != nil && !errors.As(err, &ds):
			t.Fatalf("error is not Diagnostics: %v", err)
		case err != nil && len(ds) == 0:
			t.Fatal("empty Diagnostics")
		}
	})
}
