package spec

import (
	"testing"
	"time"
)

// TestLockWaitTimeout: apply.lock_wait_timeout is read in seconds or
// minutes, and defaults to DefaultLockWaitTimeout.
func TestLockWaitTimeout(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	tests := []struct {
		name, apply string
		want        time.Duration
	}{
		{"default", "", DefaultLockWaitTimeout},
		{"seconds", "apply: { lock_wait_timeout: 2s }\n", 2 * time.Second},
		{"minutes", "apply: { lock_wait_timeout: 1m }\n", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := repoCase{files: map[string]string{"strata.yaml": base.files["strata.yaml"] + tt.apply}}
			fl, err := Load(c.fsys(base), WithLookupEnv(base.lookupEnv))
			if err != nil {
				t.Fatal(err)
			}
			if got := fl.Config.Apply.LockWaitTimeout; got != tt.want {
				t.Errorf("lock wait %s, want %s", got, tt.want)
			}
		})
	}
}
