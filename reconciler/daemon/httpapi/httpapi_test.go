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
		{"scheme in lower case", "/api/v1/tenants", "bearer s3cret", 200, `"valid": true`},
		{"scheme in upper case", "/api/v1/tenants", "BEARER s3cret", 200, `"valid": true`},
		{"other scheme", "/api/v1/tenants", "Basic s3cret", 401, "bearer token"},
		{"token as prefix", "/api/v1/tenants", "Bearer s3cretX", 401, "bearer token"},
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

// The token check compares inputs of one length whatever the request sends,
// so how long it takes says nothing about the token's length.
func TestTokenCompareHidesLength(t *testing.T) {
	var lens [][2]int
	orig := constantTimeCompare
	constantTimeCompare = func(a, b []byte) int {
		lens = append(lens, [2]int{len(a), len(b)})
		return orig(a, b)
	}
	defer func() { constantTimeCompare = orig }()
	d, err := daemon.New(daemon.Options{Source: daemon.DirSource(t.TempDir())})
	require.NoError(t, err)
	h := New(d, Options{Token: "s3cret"})
	for _, auth := range []string{"Bearer x", "Bearer s3cret", "Bearer " + strings.Repeat("y", 500), "Bearer s3cre"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/tenants", nil)
		req.Header.Set("Authorization", auth)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.Len(t, lens, 4)
	for _, l := range lens {
		assert.Equal(t, lens[0], l, "compared inputs of different lengths: %v", lens)
	}
}
