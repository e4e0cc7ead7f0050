package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// GitHubAPIVersion is the REST API version strata is written against.
const GitHubAPIVersion = "2022-11-28"

// GitHubMaxBody is the longest issue comment GitHub accepts, in characters.
const GitHubMaxBody = 65536

// GitHub is one pull request's conversation on GitHub (github.com or
// Enterprise Server), reached through the REST API's issue comments.
type GitHub struct {
	api    *api
	repo   string // owner/name
	number int
}

var _ Forge = (*GitHub)(nil)

// GitHubOptions configure [NewGitHub]. Client and Timeout may be zero.
type GitHubOptions struct {
	APIURL  string // e.g. https://api.github.com (GITHUB_API_URL in Actions)
	Repo    string // owner/name (GITHUB_REPOSITORY)
	Number  int    // pull request number
	Token   string // sent as "Authorization: Bearer"; never printed
	Client  *http.Client
	Timeout time.Duration // per API call; DefaultTimeout when zero
}

// NewGitHub checks o and returns the pull request it names.
func NewGitHub(o GitHubOptions) (*GitHub, error) {
	if err := checkGitHubRepo(o.Repo); err != nil {
		return nil, err
	}
	if o.Number <= 0 {
		return nil, fmt.Errorf("forge: github: pull request number %d: pass the PR number with --pr", o.Number)
	}
	if o.Token == "" {
		return nil, fmt.Errorf("forge: github: no token: set GITHUB_TOKEN (in a workflow step: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})")
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+o.Token)
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", GitHubAPIVersion)
	g := &GitHub{repo: o.Repo, number: o.Number}
	a, err := newAPI("github", o.APIURL, h, o.Client, o.Timeout, g.hint)
	if err != nil {
		return nil, err
	}
	g.api = a
	return g, nil
}

func checkGitHubRepo(repo string) error {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(repo, " \t\n?#") {
		return fmt.Errorf("forge: github: repository %q is not owner/name: set GITHUB_REPOSITORY or pass --repo-slug owner/name", repo)
	}
	return nil
}

// String returns "owner/name#N".
func (g *GitHub) String() string { return g.repo + "#" + strconv.Itoa(g.number) }

func (g *GitHub) maxBody() int { return GitHubMaxBody }

func (g *GitHub) repoPath() string {
	owner, name, _ := strings.Cut(g.repo, "/")
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name)
}

type githubComment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
}

func (c githubComment) comment() *Comment {
	return &Comment{ID: c.ID, Body: c.Body, URL: c.HTMLURL}
}

func (g *GitHub) commentsURL() string {
	return g.api.url(g.repoPath()+"/issues/"+strconv.Itoa(g.number)+"/comments", nil)
}

func (g *GitHub) find(ctx context.Context, marker string) (*Comment, error) {
	next := g.api.url(g.repoPath()+"/issues/"+strconv.Itoa(g.number)+"/comments", url.Values{"per_page": {"100"}})
	for next != "" {
		var page []githubComment
		var err error
		next, err = g.api.do(ctx, http.MethodGet, next, nil, &page)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if hasMarker(c.Body, marker) {
				return c.comment(), nil
			}
		}
	}
	return nil, nil
}

func (g *GitHub) create(ctx context.Context, body string) (*Comment, error) {
	var c githubComment
	if _, err := g.api.do(ctx, http.MethodPost, g.commentsURL(), map[string]string{"body": body}, &c); err != nil {
		return nil, err
	}
	return c.comment(), nil
}

func (g *GitHub) update(ctx context.Context, id int64, body string) (*Comment, error) {
	var c githubComment
	u := g.api.url(g.repoPath()+"/issues/comments/"+strconv.FormatInt(id, 10), nil)
	if _, err := g.api.do(ctx, http.MethodPatch, u, map[string]string{"body": body}, &c); err != nil {
		return nil, err
	}
	return c.comment(), nil
}

func (g *GitHub) hint(e *APIError) string {
	switch {
	case e.RateLimited:
		return "the token's API rate limit is spent: retry after the reset time GitHub reports"
	case e.Status == http.StatusUnauthorized:
		return "the token is missing, expired or invalid: set GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})"
	case e.Status == http.StatusForbidden:
		return "the token may not write comments: give the job `permissions: pull-requests: write` " +
			"(pull requests from forks get a read-only token; use a pull_request_target workflow that does not run the fork's code, or skip the comment)"
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("repository %q or pull request #%d not found: check GITHUB_REPOSITORY/--repo-slug and the PR number (--pr); "+
			"a token without access to a private repository also gets 404", g.repo, g.number)
	case e.Status == http.StatusUnprocessableEntity:
		return "GitHub refused the comment body"
	case e.Status >= 500:
		return "GitHub had an error: retry the job later"
	}
	return ""
}
