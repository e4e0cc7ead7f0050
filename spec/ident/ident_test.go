package ident

import "testing"

func TestQuoting(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"identifier", Quote, "tenant_a", "`tenant_a`"},
		{"identifier with backtick", Quote, "a`b", "`a``b`"},
		{"grant escapes wildcards", GrantDB, "tenant_ab_c", "`tenant\\_ab\\_c`"},
		{"grant escapes percent", GrantDB, "t%x", "`t\\%x`"},
		{"string", String, "o'k\\", `'o\'k\\'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
