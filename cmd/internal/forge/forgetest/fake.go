// Package forgetest runs fake GitHub and GitLab comment APIs on a local
// httptest.Server. They answer as the real APIs do (status codes, JSON,
// Link pagination) and fail the test on any request the real API would not
// accept from strata: a wrong header, method or body.
package forgetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Comment is one stored comment or note.
type Comment struct {
	ID     int64
	Body   string
	Author string
	System bool // GitLab system note ("added 1 commit")
}

// Failure makes the fake answer every request of one method with Status.
type Failure struct {
	Method  string // "" matches every method
	Status  int
	Message string
	Header  map[string]string
}

// fake is the state GitHub and GitLab share.
type fake struct {
	t        testing.TB
	srv      *httptest.Server
	mu       sync.Mutex
	comments []Comment
	requests []string
	nextID   int64
	failure  *Failure
	delay    time.Duration
	pageSize int
}

func newFake(t testing.TB, h http.Handler) *fake {
	f := &fake{t: t, nextID: 1001, pageSize: 3}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// Seed stores comments by other users, in order, before the test runs.
func (f *fake) Seed(cs ...Comment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		c.ID = f.nextID
		f.nextID++
		if c.Author == "" {
			c.Author = "reviewer"
		}
		f.comments = append(f.comments, c)
	}
}

// Comments returns the stored comments, oldest first.
func (f *fake) Comments() []Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Comment(nil), f.comments...)
}

// Requests returns "METHOD escaped-path?query" of every request so far, and forgets them.
func (f *fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// Fail sets (or, with nil, clears) a failure for the following requests.
func (f *fake) Fail(fl *Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failure = fl
}

// Delay makes every answer wait d, or until the client gives up.
func (f *fake) Delay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// SetPageSize sets the most comments per page the fake returns, whatever
// per_page asks (3 by default, so a few comments make several pages).
func (f *fake) SetPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageSize = n
}

// begin logs r and applies the delay and failure; false means answered.
func (f *fake) begin(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	line := r.Method + " " + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	f.requests = append(f.requests, line)
	delay, fl := f.delay, f.failure
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return false
		}
	}
	if fl != nil && (fl.Method == "" || fl.Method == r.Method) {
		for k, v := range fl.Header {
			w.Header().Set(k, v)
		}
		writeJSON(w, fl.Status, map[string]string{"message": fl.Message})
		return false
	}
	return true
}

// page answers one page of list with a Link header for the rest.
func (f *fake) page(w http.ResponseWriter, r *http.Request, list []Comment, render func(Comment) any) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 || per > 100 {
		f.t.Errorf("forgetest: %s %s: per_page=%q, want 1..100 (the client should ask for full pages)", r.Method, r.URL, q.Get("per_page"))
		per = 20
	}
	f.mu.Lock()
	if f.pageSize < per {
		per = f.pageSize
	}
	f.mu.Unlock()
	page := 1
	if p := q.Get("page"); p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "page is invalid"})
			return
		}
	}
	lo, hi := min((page-1)*per, len(list)), min(page*per, len(list))
	last := max(1, (len(list)+per-1)/per)
	var links []string
	link := func(p int, rel string) {
		q.Set("page", strconv.Itoa(p))
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u.String(), rel))
	}
	if page < last {
		link(page+1, "next")
	}
	if page > 1 {
		link(page-1, "prev")
	}
	link(1, "first")
	link(last, "last")
	w.Header().Set("Link", strings.Join(links, ", "))
	out := []any{}
	for _, c := range list[lo:hi] {
		out = append(out, render(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// readBody decodes a POST/PATCH/PUT body, which must be exactly {"body": "..."}.
func (f *fake) readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("forgetest: %s %s: Content-Type %q, want application/json", r.Method, r.URL, ct)
	}
	var in struct {
		Body *string `json:"body"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Body == nil {
		f.t.Errorf("forgetest: %s %s: body is not {\"body\": string}: %v", r.Method, r.URL, err)
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
		return "", false
	}
	return *in.Body, true
}

// add stores a new comment and returns it.
func (f *fake) add(body, author string) Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Comment{ID: f.nextID, Body: body, Author: author}
	f.nextID++
	f.comments = append(f.comments, c)
	return c
}

// edit replaces the body of comment id; false when there is none.
func (f *fake) edit(id int64, body string) (Comment, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.comments {
		if f.comments[i].ID == id {
			f.comments[i].Body = body
			return f.comments[i], true
		}
	}
	return Comment{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
