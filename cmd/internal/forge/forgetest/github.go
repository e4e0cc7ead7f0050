package forgetest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// GitHub fakes the issue comments of one pull request.
type GitHub struct {
	*fake
	// URL is the API base URL (GITHUB_API_URL).
	URL    string
	repo   string
	number int
	token  string
}

// NewGitHub starts a fake GitHub API for pull request repo#number that
// accepts only token.
func NewGitHub(t testing.TB, repo string, number int, token string) *GitHub {
	g := &GitHub{repo: repo, number: number, token: token}
	g.fake = newFake(t, http.HandlerFunc(g.serve))
	g.URL = g.srv.URL
	return g
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	if !g.begin(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	if got := r.Header.Get("Accept"); got != "application/vnd.github+json" {
		g.t.Errorf("forgetest: github: %s %s: Accept %q, want application/vnd.github+json", r.Method, r.URL, got)
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		g.t.Errorf("forgetest: github: %s %s: X-GitHub-Api-Version %q, want 2022-11-28", r.Method, r.URL, got)
	}
	if r.Header.Get("User-Agent") == "" {
		g.t.Errorf("forgetest: github: %s %s: no User-Agent (GitHub refuses those)", r.Method, r.URL)
	}
	repoPath := "/repos/" + g.repo
	list := fmt.Sprintf("%s/issues/%d/comments", repoPath, g.number)
	path := r.URL.EscapedPath()
	switch {
	case path == list && r.Method == http.MethodGet:
		g.page(w, r, g.Comments(), g.render)
	case path == list && r.Method == http.MethodPost:
		body, ok := g.readBody(w, r)
		if !ok || !g.checkLen(w, body) {
			return
		}
		writeJSON(w, http.StatusCreated, g.render(g.add(body, "github-actions[bot]")))
	case strings.HasPrefix(path, repoPath+"/issues/comments/") && r.Method == http.MethodPatch:
		id, err := strconv.ParseInt(strings.TrimPrefix(path, repoPath+"/issues/comments/"), 10, 64)
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		body, ok := g.readBody(w, r)
		if !ok || !g.checkLen(w, body) {
			return
		}
		c, ok := g.edit(id, body)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
			return
		}
		writeJSON(w, http.StatusOK, g.render(c))
	default:
		// What GitHub answers for another repository, PR or route.
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

func (g *GitHub) checkLen(w http.ResponseWriter, body string) bool {
	if utf8.RuneCountInString(body) > 65536 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: body is too long (maximum is 65536 characters)"})
		return false
	}
	return true
}

func (g *GitHub) render(c Comment) any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", g.repo, g.number, c.ID),
		"user":     map[string]string{"login": c.Author},
	}
}
