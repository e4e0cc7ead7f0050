package forgetest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// GitLab fakes the notes of one merge request under /api/v4.
type GitLab struct {
	*fake
	// URL is the API base URL (CI_API_V4_URL), ending in /api/v4.
	URL      string
	project  string
	iid      int
	token    string
	jobToken bool
}

// NewGitLab starts a fake GitLab API for merge request project!iid that
// accepts only token, as JOB-TOKEN when jobToken, else as PRIVATE-TOKEN.
// project is a numeric ID or a path; a path must arrive URL-encoded.
func NewGitLab(t testing.TB, project string, iid int, token string, jobToken bool) *GitLab {
	g := &GitLab{project: project, iid: iid, token: token, jobToken: jobToken}
	g.fake = newFake(t, http.HandlerFunc(g.serve))
	g.URL = g.srv.URL + "/api/v4"
	return g
}

func (g *GitLab) serve(w http.ResponseWriter, r *http.Request) {
	if !g.begin(w, r) {
		return
	}
	header, other := "PRIVATE-TOKEN", "JOB-TOKEN"
	if g.jobToken {
		header, other = other, header
	}
	if r.Header.Get(other) != "" {
		g.t.Errorf("forgetest: gitlab: %s %s: sent %s, this token is a %s", r.Method, r.URL, other, header)
	}
	if r.Header.Get(header) != g.token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		return
	}
	notes := fmt.Sprintf("/api/v4/projects/%s/merge_requests/%d/notes", strings.ReplaceAll(g.project, "/", "%2F"), g.iid)
	path := r.URL.EscapedPath()
	switch {
	case path == notes && r.Method == http.MethodGet:
		q := r.URL.Query()
		if q.Get("sort") != "asc" || q.Get("order_by") != "created_at" {
			g.t.Errorf("forgetest: gitlab: GET %s: want sort=asc&order_by=created_at, so the oldest strata note wins", r.URL)
		}
		g.page(w, r, g.Comments(), g.render)
	case path == notes && r.Method == http.MethodPost:
		body, ok := g.readBody(w, r)
		if !ok {
			return
		}
		writeJSON(w, http.StatusCreated, g.render(g.add(body, "project_bot")))
	case strings.HasPrefix(path, notes+"/") && r.Method == http.MethodPut:
		id, err := strconv.ParseInt(strings.TrimPrefix(path, notes+"/"), 10, 64)
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
			return
		}
		body, ok := g.readBody(w, r)
		if !ok {
			return
		}
		c, ok := g.edit(id, body)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Note Not Found"})
			return
		}
		writeJSON(w, http.StatusOK, g.render(c))
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
	}
}

func (g *GitLab) render(c Comment) any {
	return map[string]any{
		"id":     c.ID,
		"body":   c.Body,
		"system": c.System,
		"author": map[string]string{"username": c.Author},
	}
}
