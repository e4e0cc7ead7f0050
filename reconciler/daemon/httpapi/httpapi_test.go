package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/daemon"
)

// A daemon that has not synced yet: probes, metrics and the token gate.
func TestRoutesAndToken(t *testing.T) {
	reg := prometheus.NewRegistry()
	d, err := daemon.New(daemon.Options{Source: daemon.DirSource(t.TempDir()), Metrics: daemon.NewMetrics(reg)})
	require.NoError(t, err)
	h := New(d, Options{Token: "s3cret", Gatherer: reg})
	tests := []struct {
		name, path, auth string
		code             int
		body             string
	}{
		{"healthz", "/healthz", "", 200, "ok"},
		{"readyz before the first sync", "/readyz", "", 503, "not synced yet"},
		{"metrics need no token", "/metrics", "", 200, "strata_config_valid"},
		{"api without token", "/api/v1/tenants", "", 401, "bearer token"},
		{"api with wrong token", "/api/v1/tenants", "Bearer nope", 401, "bearer token"},
		{"api with token", "/api/v1/tenants", "Bearer s3cret", 200, `"valid": true`},
		{"unknown tenant", "/api/v1/tenants/acme", "Bearer s3cret", 404, "no tenant acme"},
		{"post is not allowed", "/api/v1/tenants", "Bearer s3cret", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasPrefix(tt.name, "post") {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.code, rec.Code, rec.Body.String())
			assert.Contains(t, rec.Body.String(), tt.body)
		})
	}
}
