package dbtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStartPrivateKeepsOthersTempTables: mariadbd and its bootstrap delete
// every #sql* file in their tmpdir at start. A private server must not reach
// /tmp, where the shared server keeps the temporary tables of queries in
// flight (it failed them, then crashed, while tests started private servers).
func TestStartPrivateKeepsOthersTempTables(t *testing.T) {
	probe, err := os.CreateTemp(os.TempDir(), "#sql-strata-probe-*.MAI")
	require.NoError(t, err)
	probe.Close()
	t.Cleanup(func() { os.Remove(probe.Name()) })

	p := StartPrivate(t)
	require.NoError(t, p.Open().Ping())

	_, err = os.Stat(probe.Name())
	require.NoError(t, err, "starting a private server deleted %s", filepath.Base(probe.Name()))
}
