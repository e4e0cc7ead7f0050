// Package console is strata run's web dashboard: a fleet page (counts,
// commits, rollout waves, the last drift sweep and a filtered, sorted,
// paginated table of every tenant) and a page per tenant (layers, plan,
// history, drift, seeds, credentials reference), rendered on the server
// from html/template with embedded assets: no CDN, no build step, and every
// page reads without JavaScript (a small script only refreshes it).
//
// Its actions (reconcile, retry, sweep drift, pause, resume) never change
// the spec: Git stays the only way to change what a tenant should be. They
// are POSTs that need the API token (a bearer header, or the session cookie
// the login form sets) and pass a CSRF token and an Origin check.
package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/stratadb/strata/reconciler/daemon"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultPageSize is how many tenants a page of the fleet table shows.
const DefaultPageSize = 50

// sessionCookie holds the console's session: an HMAC of the token, never
// the token itself.
const sessionCookie = "strata_session"

// Options configure New.
type Options struct {
	// Token, when set, is needed to read the pages and to act: as a bearer
	// header, or through the login form's session cookie.
	Token string
	// PageSize is the number of tenants per page of the fleet table.
	PageSize int
	// History is how many runs a tenant's page shows (default 10).
	History int
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
}

// server holds what the handlers share.
type server struct {
	d    *daemon.Daemon
	opts Options
	log  *slog.Logger
	tmpl map[string]*template.Template
	// key signs sessions and CSRF tokens: derived from the token, or random
	// per process when there is none (CSRF protection still applies).
	key []byte
}

// New returns the console's handler, to be served at "/".
func New(d *daemon.Daemon, opts Options) http.Handler {
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.History <= 0 {
		opts.History = 10
	}
	s := &server{d: d, opts: opts, log: opts.Logger, tmpl: parseTemplates()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Token != "" {
		sum := sha256.Sum256([]byte("strata-console\x00" + opts.Token))
		s.key = sum[:]
	} else {
		s.key = make([]byte, 32)
		rand.Read(s.key)
	}
	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /{$}", s.reader(s.fleet))
	mux.Handle("GET /tenants/{name}", s.reader(s.tenant))
	mux.Handle("POST /sweep", s.action(s.sweep))
	mux.Handle("POST /tenants/{name}/{action}", s.action(s.tenantAction))
	return securityHeaders(mux)
}

// securityHeaders keeps the pages out of frames and other sites' scripts.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"short": shortSHA, "ago": ago, "when": when, "dur": dur, "join": strings.Join,
		"query": func(v url.Values) template.URL { return template.URL(v.Encode()) },
		"lower": strings.ToLower,
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, page := range []string{"fleet.html", "tenant.html", "login.html"} {
		out[page] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+page))
	}
	return out
}

// authed reports whether r carries the token (bearer) or a valid session.
func (s *server) authed(r *http.Request) (ok, bearer bool) {
	if s.opts.Token == "" {
		return true, false
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		got := sha256.Sum256([]byte(strings.TrimLeft(token, " ")))
		want := sha256.Sum256([]byte(s.opts.Token))
		return subtle.ConstantTimeCompare(got[:], want[:]) == 1, true
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && hmac.Equal([]byte(c.Value), []byte(s.session())), false
}

// session is the session cookie's value: a MAC only the token's holder
// can make; changing the token ends every session.
func (s *server) session() string { return s.mac("session") }

// csrf is the token every form carries: bound to the session, unreadable
// by other sites (same-origin policy), so a forged cross-site POST lacks it.
func (s *server) csrf() string { return s.mac("csrf") }

func (s *server) mac(what string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(what))
	return hex.EncodeToString(m.Sum(nil))
}

// reader requires authentication for a page: a browser without a session
// is sent to the login form.
func (s *server) reader(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, bearer := s.authed(r); !ok {
			if bearer {
				http.Error(w, "wrong bearer token", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r)
	})
}

// action guards a POST: authenticated, from this origin, with the CSRF
// token (a bearer header, which no other site can make a browser send,
// needs none).
func (s *server) action(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, bearer := s.authed(r)
		if !ok {
			http.Error(w, "an action needs the API token: log in at /login, or send Authorization: Bearer $STRATA_API_TOKEN", http.StatusUnauthorized)
			return
		}
		if !sameOrigin(r) {
			http.Error(w, "cross-site request refused: the Origin is not this console", http.StatusForbidden)
			return
		}
		if !bearer && !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.csrf())) {
			http.Error(w, "missing or wrong CSRF token: reload the page and try again", http.StatusForbidden)
			return
		}
		next(w, r)
	})
}

// sameOrigin reports whether a POST comes from a page of this console: its
// Origin (or, without one, Sec-Fetch-Site) names this host.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && o != "null" && u.Host == r.Host
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login.html", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	got := sha256.Sum256([]byte(r.PostFormValue("token")))
	want := sha256.Sum256([]byte(s.opts.Token))
	if s.opts.Token != "" && subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		s.render(w, r, http.StatusUnauthorized, "login.html", loginView{Next: next, Error: "wrong token"})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.session(), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginView struct {
	page
	Next, Error string
}

// page is what the layout needs of every page.
type page struct {
	Title  string
	CSRF   string
	Authed bool // a session exists (show the logout button)
	Flash  string
	Live   bool // the refresh script may reload it
}

func (s *server) page(r *http.Request, title string) page {
	return page{Title: title, CSRF: s.csrf(), Authed: s.opts.Token != "", Flash: r.URL.Query().Get("done")}
}

// render executes a page template into a buffer first, so a template error
// is a clean 500 and never half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, name string, v any) {
	var b strings.Builder
	if err := s.tmpl[name].ExecuteTemplate(&b, "layout.html", v); err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write([]byte(b.String()))
}

func (s *server) fail(w http.ResponseWriter, err error) {
	s.log.Error("console", "err", err)
	http.Error(w, "console: "+err.Error(), http.StatusInternalServerError)
}
