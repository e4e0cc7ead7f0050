package seed

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

func tenant(vars map[string]string) *spec.Tenant {
	return &spec.Tenant{Name: "acme-co", Database: "tenant_acme_co", Template: "ngo", Vars: vars, Path: "tenants/acme-co/tenant.yaml"}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		vars    map[string]string
		want    []string // statements
		wantErr string
	}{
		{
			name: "tenant fields and quoted var",
			src:  "INSERT INTO settings VALUES ('name', '{{ .Tenant.Name }}');\nINSERT INTO settings VALUES ('title', {{ quote .Vars.title }});\n",
			vars: map[string]string{"title": "O'Brien \\ Sons"},
			want: []string{
				"INSERT INTO settings VALUES ('name', 'acme-co')",
				`INSERT INTO settings VALUES ('title', 'O\'Brien \\ Sons')`,
			},
		},
		{
			name: "safe var used bare",
			src:  "INSERT INTO t VALUES ('{{ .Vars.city }}', '{{ .Tenant.Database }}')",
			vars: map[string]string{"city": "Köln am Rhein"},
			want: []string{"INSERT INTO t VALUES ('Köln am Rhein', 'tenant_acme_co')"},
		},
		{
			name:    "quote in var used bare",
			src:     "-- seed\n\nINSERT INTO t VALUES ('{{ .Vars.title }}');",
			vars:    map[string]string{"title": "x'); DROP TABLE t; --"},
			wantErr: "seed: basic/seed/01.sql:3: tenant acme-co: var title is printed inside a string but holds a quote, backslash or other character that could end it: write {{ quote .Vars.title }}",
		},
		{
			name:    "backslash in var used bare",
			src:     "INSERT INTO t VALUES ('{{ .Vars.p }}');",
			vars:    map[string]string{"p": `C:\`},
			wantErr: "var p is printed inside a string but holds a quote, backslash",
		},
		{
			name:    "statement break-out without quotes, var used bare",
			src:     "INSERT INTO settings VALUES ('limit', {{ .Vars.n }});",
			vars:    map[string]string{"n": "1); DELETE FROM members WHERE (1=1"},
			wantErr: "var n is printed bare into the statement but is not a number",
		},
		{
			name:    "issue 11: words and a comment in a bare var",
			src:     "DELETE FROM members WHERE id = {{ .Vars.uid }};",
			vars:    map[string]string{"uid": "0 OR 1 -- "},
			wantErr: "seed: basic/seed/01.sql:1: tenant acme-co: var uid is printed bare into the statement but is not a number",
		},
		{
			name: "numbers bare, identifier characters in a quoted identifier",
			src:  "UPDATE t SET `{{ .Vars.col }}` = {{ .Vars.n }} WHERE id = {{ .Vars.id }};",
			vars: map[string]string{"col": "note_2", "n": "-7", "id": "42.5"},
			want: []string{"UPDATE t SET `note_2` = -7 WHERE id = 42.5"},
		},
		{
			name:    "var through printf",
			src:     "INSERT INTO t VALUES ({{ printf \"%s\" .Vars.x }});",
			vars:    map[string]string{"x": "1"},
			wantErr: "prints a variable strata cannot check",
		},
		{
			name:    "missing var",
			src:     "INSERT INTO t VALUES ({{ quote .Vars.nope }});",
			vars:    map[string]string{},
			wantErr: "tenants/acme-co/tenant.yaml",
		},
		{
			name:    "bad template",
			src:     "INSERT INTO t VALUES ({{ quote .Vars.x );",
			wantErr: "fix the template syntax",
		},
		{
			name:    "safe var renders DDL",
			src:     "INSERT INTO settings VALUES ('a', '1');\n{{ .Vars.cleanup }};",
			vars:    map[string]string{"cleanup": "DROP TABLE members"},
			wantErr: "seed: basic/seed/01.sql:2: tenant acme-co: var cleanup is printed bare into the statement but is not a number",
		},
		{
			name:    "safe var renders a second statement",
			src:     "INSERT INTO t VALUES (1);\n{{ .Vars.x }}",
			vars:    map[string]string{"x": "TRUNCATE members"},
			wantErr: "basic/seed/01.sql:2: tenant acme-co: var x is printed bare into the statement but is not a number",
		},
		{
			name: "comment after -- and a tab, as MariaDB reads it",
			src:  "--\tsets; not a statement\nINSERT INTO t VALUES (1);",
			want: []string{"INSERT INTO t VALUES (1)"},
		},
		{
			name: "semicolons in literals and quoted names",
			src:  "INSERT INTO a VALUES ('x;y', \"p;q\", 'it''s;', 'a\\';b');# c;\nINSERT INTO `w;z` VALUES (1)",
			want: []string{"INSERT INTO a VALUES ('x;y', \"p;q\", 'it''s;', 'a\\';b')", "INSERT INTO `w;z` VALUES (1)"},
		},
		{
			name: "quote of a semicolon does not split",
			src:  "INSERT INTO t VALUES ({{ quote .Vars.x }}); INSERT INTO t VALUES (2);",
			vars: map[string]string{"x": "a;b"},
			want: []string{"INSERT INTO t VALUES ('a;b')", "INSERT INTO t VALUES (2)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &spec.File{Path: "basic/seed/01.sql", Content: []byte(tt.src)}
			got, err := Render(f, tenant(tt.vars))
			if tt.wantErr != "" {
				var se *Error
				if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a *seed.Error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sqls []string
			for _, s := range got {
				sqls = append(sqls, s.SQL)
			}
			if strings.Join(sqls, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("statements:\n%s\nwant:\n%s", strings.Join(sqls, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestQuoteOnServer checks that what Quote renders reads back from MariaDB
// as exactly the original value, for values built to escape a literal.
func TestQuoteOnServer(t *testing.T) {
	db := dbtest.Open(t)
	values := []string{
		"plain",
		"O'Brien",
		`back\slash`,
		`trailing\`,
		`\'; DROP DATABASE mysql; -- `,
		"two\nlines\r\nand\x00nul\x1a",
		`"double" and ''doubled''`,
		"ünïcødé ✓",
		"",
	}
	ctx := context.Background()
	for _, v := range values {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT "+Quote(v)).Scan(&got); err != nil {
			t.Fatalf("SELECT %s: %v", Quote(v), err)
		}
		if got != v {
			t.Errorf("Quote(%q) read back as %q", v, got)
		}
	}
	if Quote(nil) != "NULL" || Quote(42) != "'42'" {
		t.Errorf("Quote(nil), Quote(42) = %s, %s", Quote(nil), Quote(42))
	}
}
