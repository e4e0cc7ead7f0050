package spec

import (
	"testing"
	"time"
)

// TestArchiveRetention: archive.retention resolves per tenant, the most
// specific file that sets it winning (tenant, then the shortest of its
// modules', then its template, then strata.yaml), 7 days when none does,
// and 0 turns archives off at any level.
func TestArchiveRetention(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	day := 24 * time.Hour
	tests := []struct {
		name  string
		files map[string]string
		alpha time.Duration // ngo, modules members and finance
		beta  time.Duration // school, no modules
	}{
		{"default", nil, 7 * day, 7 * day},
		{"fleet", map[string]string{"strata.yaml": base.files["strata.yaml"] + "archive: { retention: 36h }\n"}, 36 * time.Hour, 36 * time.Hour},
		{"fleet off", map[string]string{"strata.yaml": base.files["strata.yaml"] + "archive: { retention: 0 }\n"}, 0, 0},
		{"template over fleet", map[string]string{
			"strata.yaml":                 base.files["strata.yaml"] + "archive: { retention: 36h }\n",
			"templates/ngo/template.yaml": base.files["templates/ngo/template.yaml"] + "archive: { retention: 30d }\n",
		}, 30 * day, 36 * time.Hour},
		{"module off over template", map[string]string{
			"templates/ngo/template.yaml": base.files["templates/ngo/template.yaml"] + "archive: { retention: 30d }\n",
			"modules/finance/module.yaml": base.files["modules/finance/module.yaml"] + "archive: { retention: \"0\" }\n",
			"modules/members/module.yaml": base.files["modules/members/module.yaml"] + "archive: { retention: 2d }\n",
		}, 0, 7 * day},
		{"tenant over module", map[string]string{
			"modules/finance/module.yaml": base.files["modules/finance/module.yaml"] + "archive: { retention: \"0\" }\n",
			"tenants/alpha/tenant.yaml":   base.files["tenants/alpha/tenant.yaml"] + "archive: { retention: 90m }\n",
		}, 90 * time.Minute, 7 * day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := repoCase{files: tt.files}
			fl, err := Load(c.fsys(base), WithLookupEnv(base.lookupEnv))
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]time.Duration{"alpha": tt.alpha, "beta": tt.beta} {
				if got := fl.Tenant(name).ArchiveRetention; got != want {
					t.Errorf("%s: retention %s, want %s", name, got, want)
				}
			}
		})
	}
}
