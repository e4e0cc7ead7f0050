package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// tenantWithLabels is tenant alpha of the base repo with n labels.
func tenantWithLabels(n int) string {
	var b strings.Builder
	b.WriteString("name: alpha\ntemplate: ngo\nlabels:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  key-%d: value\n", i)
	}
	return b.String()
}

func loadWithTenant(t testing.TB, tenant string) (*Fleet, error) {
	base := readRepoCase(t, "testdata/base.txt")
	m := base.fsys(repoCase{})
	m["tenants/alpha/tenant.yaml"] = &fstest.MapFile{Data: []byte(tenant)}
	return Load(m, WithLookupEnv(base.lookupEnv))
}

// Small YAML files that would stall CUE are refused up front with what the
// limit is (issue 11 item 9).
func TestYAMLLimits(t *testing.T) {
	bomb := "name: alpha\ntemplate: ngo\nvars:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 6; i++ {
		cur := fmt.Sprintf("b%d", i)
		bomb += fmt.Sprintf("  %s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", cur, cur, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = cur
	}
	tests := []struct {
		name, tenant, want string
	}{
		{"too many labels", tenantWithLabels(maxMappingKeys + 1), "tenants/alpha/tenant.yaml:4:3: labels has 1001 keys; strata allows 1000 in one mapping"},
		{"too large", tenantWithLabels(20000), "tenants/alpha/tenant.yaml: file is 368924 bytes; strata reads definition files of up to 256 KiB"},
		{"alias bomb", bomb, "too many values: strata reads definition files of up to 20000 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadWithTenant(t, tt.tenant)
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("want Diagnostics, got %v", err)
			}
			if !strings.Contains(ds.Error(), tt.want) {
				t.Fatalf("want %q in:\n%s", tt.want, ds.Error())
			}
		})
	}
	if _, err := loadWithTenant(t, tenantWithLabels(maxMappingKeys)); err != nil {
		t.Fatalf("a tenant at the label limit is valid: %v", err)
	}
}

// BenchmarkLoadLabels loads the base repo with a tenant at the label limit;
// ns/op divided by the label count should not grow with the count (compare
// -bench with maxMappingKeys/4 by editing n).
func BenchmarkLoadLabels(b *testing.B) {
	for _, n := range []int{maxMappingKeys / 4, maxMappingKeys} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tenant := tenantWithLabels(n)
			for b.Loop() {
				if _, err := loadWithTenant(b, tenant); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadRefusedMegabyte is the 1 MB tenant.yaml of issue 11 (47 s
// and 320 MB before the limits): it is refused after reading its size.
func BenchmarkLoadRefusedMegabyte(b *testing.B) {
	tenant := tenantWithLabels(63000)
	for b.Loop() {
		if _, err := loadWithTenant(b, tenant); err == nil {
			b.Fatal("a 1 MB tenant.yaml loaded")
		}
	}
}
