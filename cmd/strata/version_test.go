package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// strata version and --version print the version, commit and build date
// set at link time (make build) and the Go and Atlas versions of the build.
func TestVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "strata")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=v1.4.0 -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.buildDate=2026-12-07T06:00:00Z",
		"-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	want := "strata v1.4.0\ncommit:   0123456789abcdef0123456789abcdef01234567\nbuilt:    2026-12-07T06:00:00Z\n" +
		"go:       " + runtime.Version() + "\natlas:    v1.2.3\nplatform: " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		got, err := exec.Command(bin, args...).Output()
		require.NoError(t, err, args)
		assert.Equal(t, want, string(got), args)
	}

	// Without ldflags (go build, go install) it still names Go and Atlas.
	code, stdout, _ := runBin(t, "version")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "go:       "+runtime.Version()+"\n")
	assert.Contains(t, stdout, "atlas:    v1.2.3\n")
	assert.True(t, strings.HasPrefix(stdout, "strata "), stdout)
}
