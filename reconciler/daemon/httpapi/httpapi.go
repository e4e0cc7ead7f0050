// Package httpapi serves a running strata daemon over HTTP: /healthz
// (the process answers), /readyz (the daemon is doing its job), /metrics
// (Prometheus) and the JSON status API under /api/v1 (tenants, and the
// rollout by wave of a commit), which reads the
// landlord (the record of what is and what happened) joined with the
// daemon's view of each tenant (retry class, next attempt, last plan).
//
// When a token is set, /api/v1 requires "Authorization: Bearer <token>";
// probes and metrics stay open so kubelets and scrapers need no secret.
package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stratadb/strata/reconciler/daemon"
)

// DefaultHistory is how many runs /api/v1/tenants/{name} returns.
const DefaultHistory = 10

// Options configure New.
type Options struct {
	// Token, when set, is required as a bearer token on /api/v1.
	Token string
	// Gatherer is what /metrics exposes; nil exposes nothing but a 404.
	Gatherer prometheus.Gatherer
	// History is the number of runs a tenant's page shows (default 10).
	History int
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// Console, when set, serves every path the API does not: the web
	// dashboard (package console).
	Console http.Handler
}

// server holds what the handlers share.
type server struct {
	d    *daemon.Daemon
	opts Options
	log  *slog.Logger
}

// New returns the daemon's HTTP handler.
func New(d *daemon.Daemon, opts Options) http.Handler {
	if opts.History <= 0 {
		opts.History = DefaultHistory
	}
	s := &server{d: d, opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if opts.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.Handle("GET /api/v1/tenants", s.auth(http.HandlerFunc(s.tenants)))
	mux.Handle("GET /api/v1/tenants/{name}", s.auth(http.HandlerFunc(s.tenant)))
	mux.Handle("GET /api/v1/rollout", s.auth(http.HandlerFunc(s.rollout)))
	if opts.Console != nil {
		mux.Handle("/", opts.Console)
	}
	return mux
}

func (s *server) ready(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ok, reason := s.d.Ready(); !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + reason + "\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// auth requires the bearer token, when one is set. The scheme is matched
// case-insensitively (RFC 7235); the token is compared as SHA-256 digests in
// constant time, so neither its bytes nor its length leak through timing.
func (s *server) auth(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	want := sha256.Sum256([]byte(s.opts.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimLeft(token, " ")))
		ok := constantTimeCompare(got[:], want[:]) == 1
		if !strings.EqualFold(scheme, "Bearer") || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="strata"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer $STRATA_API_TOKEN")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// constantTimeCompare is subtle.ConstantTimeCompare; a test watches what it is given.
var constantTimeCompare = subtle.ConstantTimeCompare

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// validName reports whether name could be a tenant name (the spec allows
// lowercase letters, digits and '-'); anything else is a 404 without a query.
func validName(name string) bool {
	return name != "" && len(name) <= 128 && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
