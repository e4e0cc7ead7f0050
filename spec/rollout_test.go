package spec

import (
	"strings"
	"testing"
	"time"
)

// TestRolloutConfig: rollout: in strata.yaml is read with its defaults, and
// a check that is not one read-only SELECT is an error naming the line.
func TestRolloutConfig(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	tests := []struct {
		name, rollout string
		want          Rollout
		wantErr       string
	}{
		{"absent", "", Rollout{}, ""},
		{"defaults", "rollout: {}\n", Rollout{}, ""},
		{"set", "rollout: { max_failures: 2, bake: 10m, check: 'SELECT COUNT(*) >= 0 FROM t' }\n",
			Rollout{MaxFailures: 2, Bake: 10 * time.Minute, Check: "SELECT COUNT(*) >= 0 FROM t"}, ""},
		{"negative budget", "rollout: { max_failures: -1 }\n", Rollout{}, "max_failures"},
		{"bad bake", "rollout: { bake: soon }\n", Rollout{}, "bake"},
		{"write", "rollout: { check: 'DELETE FROM t' }\n", Rollout{}, "must be a SELECT"},
		{"two statements", "rollout: { check: 'SELECT 1; DROP TABLE t' }\n", Rollout{}, "exactly one statement"},
		{"into", "rollout: { check: 'SELECT 1 INTO OUTFILE \"/tmp/x\"' }\n", Rollout{}, "INTO"},
		{"locking", "rollout: { check: 'SELECT 1 FROM t FOR UPDATE' }\n", Rollout{}, "locking"},
		{"sleep", "rollout: { check: 'SELECT SLEEP(10)' }\n", Rollout{}, "SLEEP"},
		{"variable", "rollout: { check: 'SELECT @x := 1' }\n", Rollout{}, "variables"},
		{"sequence", "rollout: { check: 'SELECT NEXTVAL(s)' }\n", Rollout{}, "NEXTVAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := repoCase{files: map[string]string{"strata.yaml": base.files["strata.yaml"] + tt.rollout}}
			fl, err := Load(c.fsys(base), WithLookupEnv(base.lookupEnv))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "strata.yaml:") {
					t.Fatalf("err %v, want one at strata.yaml naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fl.Config.Rollout != tt.want {
				t.Errorf("rollout %+v, want %+v", fl.Config.Rollout, tt.want)
			}
		})
	}
}

// TestWaves: tenants are grouped by wave, lowest first, empty waves left out.
func TestWaves(t *testing.T) {
	f := &Fleet{Tenants: []*Tenant{{Name: "a", Wave: 2}, {Name: "b"}, {Name: "c", Wave: 2}, {Name: "d", Wave: 5}}}
	got := f.Waves(nil)
	if len(got) != 3 || got[0].Number != 0 || got[1].Number != 2 || strings.Join(got[1].Tenants, ",") != "a,c" || got[2].Number != 5 {
		t.Fatalf("waves %+v", got)
	}
	if got := f.Waves([]string{"c", "d"}); len(got) != 2 || got[0].Number != 2 || len(got[0].Tenants) != 1 {
		t.Fatalf("selected waves %+v", got)
	}
}
