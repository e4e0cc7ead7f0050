package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/spec"
)

// TestCheck: the post-wave check runs on the tenant's own database as its
// app user: a true first column passes; false, NULL or no row fails; it
// cannot read another tenant's database nor write, even where the app
// user may.
func TestCheck(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	a := f.tenant("alpha", basic)
	b := f.tenant("beta", basic)
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: %+v", res.Tenants)
	}
	f.exec("INSERT INTO `" + a.Database + "`.members (email) VALUES ('x@a')")
	r := f.reconciler(Options{})
	tests := []struct {
		name, tenant, query, wantErr string
	}{
		{"true", "alpha", "SELECT COUNT(*) > 0, 'extra column' FROM members", ""},
		{"false", "beta", "SELECT COUNT(*) > 0 FROM members", `returned "0"`},
		{"null", "alpha", "SELECT NULL", "returned NULL"},
		{"no row", "alpha", "SELECT 1 FROM members WHERE 1 = 0", "returned NULL"},
		{"another tenant", "alpha", "SELECT COUNT(*) FROM `" + b.Database + "`.members", "denied"},
		{"a write", "alpha", "DELETE FROM members", "READ ONLY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Check(f.ctx, tt.tenant, tt.query)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || KindOf(err) != KindStalled {
				t.Fatalf("err %v, want a stalled one containing %q", err, tt.wantErr)
			}
		})
	}
	if f.count("SELECT COUNT(*) FROM `"+a.Database+"`.members") != 1 {
		t.Fatal("the check wrote")
	}
}
