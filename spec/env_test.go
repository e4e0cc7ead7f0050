package spec

import (
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOST": "db1", "EMPTY": "", "PASS": "s3cr$t"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in, want, problem string
	}{
		{"plain", "plain", ""},
		{"u:${PASS}@tcp(${HOST}:3306)/", "u:s3cr$t@tcp(db1:3306)/", ""},
		{"${MISSING:-root:@tcp(127.0.0.1:3306)/}", "root:@tcp(127.0.0.1:3306)/", ""},
		{"${HOST:-other}", "db1", ""},
		{"${EMPTY:-fallback}", "fallback", ""},
		{"${EMPTY}", "", ""},
		{"${MISSING}", "", "environment variable MISSING is not set"},
		{"${1BAD}", "", "invalid environment reference ${1BAD}"},
		{"${HOST", "", "unterminated ${"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, problems := expandEnv(tt.in, lookup)
			if tt.problem == "" {
				if len(problems) > 0 || got != tt.want {
					t.Errorf("got %q %v, want %q", got, problems, tt.want)
				}
				return
			}
			if len(problems) != 1 || !strings.HasPrefix(problems[0], tt.problem) {
				t.Errorf("problems %v, want one starting %q", problems, tt.problem)
			}
		})
	}
}
