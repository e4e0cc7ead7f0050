package spec

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// moduleRepo builds a repo with one template (requiring required), the given
// modules (name -> requires), each with one SQL file, and one tenant "t"
// enabling own. custom adds tenants/t/001_custom.sql.
func moduleRepo(mods map[string][]string, required, own []string, custom bool) fstest.MapFS {
	list := func(xs []string) string { return "[" + strings.Join(xs, ", ") + "]" }
	fs := fstest.MapFS{
		"strata.yaml":                 {Data: []byte("servers: {primary: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}\n")},
		"basic/001.sql":               {Data: []byte("CREATE TABLE users (id INT);\n")},
		"templates/tpl/template.yaml": {Data: []byte("name: tpl\nversion: 1.0.0\nmodules: {required: " + list(required) + "}\n")},
		"tenants/t/tenant.yaml":       {Data: []byte("name: t\ntemplate: tpl\nmodules: " + list(own) + "\napprove: {destructive: [\"DROP TABLE b\", \"DROP TABLE a\"]}\n")},
	}
	for name, reqs := range mods {
		fs["modules/"+name+"/module.yaml"] = &fstest.MapFile{Data: []byte("name: " + name + "\nrequires: " + list(reqs) + "\napprove: {destructive: [\"DROP TABLE a\"]}\n")}
		fs["modules/"+name+"/001.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE " + strings.ReplaceAll(name, "-", "_") + " (id INT);\n")}
	}
	if custom {
		fs["tenants/t/001_custom.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE users ADD COLUMN x INT;\n")}
	}
	return fs
}

func TestResolvedLayerOrder(t *testing.T) {
	tests := []struct {
		name          string
		mods          map[string][]string
		required, own []string
		custom        bool
		want          []string // layer IDs
		wantErr       string   // a diagnostic that must be reported instead
	}{
		{
			name: "no modules",
			want: []string{"basic", "template/tpl"},
		},
		{
			name:   "custom layer last",
			mods:   map[string][]string{"a": nil},
			own:    []string{"a"},
			custom: true,
			want:   []string{"basic", "template/tpl", "module/a", "custom/t"},
		},
		{
			name:     "template required modules added",
			mods:     map[string][]string{"z": nil, "a": nil},
			required: []string{"z"},
			own:      []string{"a"},
			want:     []string{"basic", "template/tpl", "module/a", "module/z"},
		},
		{
			name: "requires come first even against name order",
			mods: map[string][]string{"a": {"b"}, "b": {"c"}, "c": nil},
			own:  []string{"a"},
			want: []string{"basic", "template/tpl", "module/c", "module/b", "module/a"},
		},
		{
			// top requires left and right, both require base.
			name: "diamond",
			mods: map[string][]string{"top": {"right", "left"}, "left": {"base"}, "right": {"base"}, "base": nil},
			own:  []string{"top"},
			want: []string{"basic", "template/tpl", "module/base", "module/left", "module/right", "module/top"},
		},
		{
			name: "independent modules by name",
			mods: map[string][]string{"m2": nil, "m1": nil, "m3": {"m2"}},
			own:  []string{"m3", "m1"},
			want: []string{"basic", "template/tpl", "module/m1", "module/m2", "module/m3"},
		},
		{
			name:    "cycle",
			mods:    map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}},
			own:     []string{"a"},
			wantErr: "modules/a/module.yaml:2:12: dependency cycle: a -> b -> c -> a",
		},
		{
			name:    "self cycle",
			mods:    map[string][]string{"a": {"a"}},
			own:     []string{"a"},
			wantErr: "modules/a/module.yaml:2:12: dependency cycle: a -> a",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Load(moduleRepo(tt.mods, tt.required, tt.own, tt.custom))
			if tt.wantErr != "" {
				var ds Diagnostics
				if !errors.As(err, &ds) || !strings.Contains(ds.Error(), tt.wantErr) {
					t.Fatalf("want diagnostic %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := layerIDs(f.Tenant("t"))
			if !slices.Equal(got, tt.want) {
				t.Errorf("layers = %v, want %v", got, tt.want)
			}
			if want := []string{"DROP TABLE a", "DROP TABLE b"}; !slices.Equal(f.Tenant("t").Approve.Destructive, want) {
				t.Errorf("approvals = %v, want merged, deduplicated and sorted %v", f.Tenant("t").Approve.Destructive, want)
			}
		})
	}
}

func layerIDs(t *Tenant) []string {
	var ids []string
	for _, l := range t.Layers {
		ids = append(ids, l.ID())
	}
	return ids
}

// TestResolvedTenant checks the defaults and derived values of a tenant.
func TestResolvedTenant(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	f, err := Load(base.fsys(repoCase{}), WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Tenant("alpha")
	checks := []struct{ what, got, want string }{
		{"database", a.Database, "tenant_alpha"},
		{"server", a.Server, "primary"},
		{"status", string(a.Status), "active"},
		{"drift", string(a.Drift), "report"},
		{"modules", fmt.Sprint(a.Modules), "[members finance]"},
		{"dsn default", f.Config.Servers["primary"].DSN, "root:@tcp(127.0.0.1:3306)/"},
		{"landlord", f.Config.Landlord.Server + "/" + f.Config.Landlord.Database, "primary/strata"},
		{"dev server", f.Config.Dev.Server, "primary"},
		{"charset", f.Config.Defaults.Charset + "/" + f.Config.Defaults.Collation, "utf8mb4/utf8mb4_unicode_ci"},
		{"basic seed", f.Basic.Seeds[0].Path, "basic/seed/001_admin.sql"},
		{"statement line", fmt.Sprint(f.Basic.Files[0].Statements[0].Line), "1"},
		{"hash", a.Layers[0].Files[0].Hash, fmt.Sprintf("%x", sha256.Sum256([]byte(base.files["basic/001_users.sql"])))},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if f.Tenant("beta").LayerHash() == a.LayerHash() {
		t.Error("tenants with different layers share a layer hash")
	}
}
