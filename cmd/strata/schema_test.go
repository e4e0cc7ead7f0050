package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaPrintsCUE(t *testing.T) {
	code, stdout, stderr := runBin(t, "schema")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"#Config: {", "#Template: {", "#Module: {", "#Tenant: {", `#DriftStrategy: "report" | "conservative" | "strict"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("schema output lacks %q", want)
		}
	}
}

func TestSchemaJSON(t *testing.T) {
	tests := []struct {
		kind     string
		required []string
		props    []string
	}{
		{"config", []string{"servers"}, []string{"servers", "defaults", "database_prefix", "landlord", "dev", "drift", "approve"}},
		{"template", []string{"name", "version"}, []string{"modules", "approve", "description"}},
		{"module", []string{"name"}, []string{"requires", "conflicts", "templates"}},
		{"tenant", []string{"name", "template"}, []string{"modules", "server", "status", "wave", "labels", "vars", "drift", "approve"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			code, stdout, stderr := runBin(t, "schema", "--json-schema", tt.kind)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var s struct {
				Schema     string                     `json:"$schema"`
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
				Additional *bool                      `json:"additionalProperties"`
			}
			if err := json.Unmarshal([]byte(stdout), &s); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout)
			}
			if strings.Join(s.Required, ",") != strings.Join(tt.required, ",") {
				t.Errorf("required = %v, want %v", s.Required, tt.required)
			}
			for _, p := range tt.props {
				if _, ok := s.Properties[p]; !ok {
					t.Errorf("no property %q", p)
				}
			}
			if s.Additional == nil || *s.Additional {
				t.Error("unknown keys are allowed; want additionalProperties: false")
			}
		})
	}
	if code, _, _ := runBin(t, "schema", "--json-schema", "fleet"); code != 1 {
		t.Errorf("unknown kind: exit %d, want 1", code)
	}
}
