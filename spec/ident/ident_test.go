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
		{"like", Like, `a_b%c\`, `a\_b\%c\\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Unquote reads back what Quote writes, stops at the identifier's end, and
// refuses text that is not a whole backquoted identifier.
func TestUnquote(t *testing.T) {
	for _, tc := range []struct {
		in, name, rest string
		ok             bool
	}{
		{"`users` (", "users", " (", true},
		{Quote("we`ird") + ",`b`", "we`ird", ",`b`", true},
		{"``", "", "", true},
		{"users", "", "users", false},
		{"`open", "", "`open", false},
	} {
		name, rest, ok := Unquote(tc.in)
		if name != tc.name || rest != tc.rest || ok != tc.ok {
			t.Errorf("Unquote(%q) = %q, %q, %v; want %q, %q, %v", tc.in, name, rest, ok, tc.name, tc.rest, tc.ok)
		}
	}
}
