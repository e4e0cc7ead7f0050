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

// GitLabMaxBody is the longest note GitLab accepts, in characters.
const GitLabMaxBody = 1_000_000

// GitLab is one merge request's notes on GitLab (gitlab.com or self-managed),
// reached through the REST API v4.
type GitLab struct {
	api     *api
	project string // numeric ID or full path
	iid     int
	webURL  string
}

var _ Forge = (*GitLab)(nil)

// GitLabOptions configure [NewGitLab]. Client, Timeout and WebURL may be zero.
type GitLabOptions struct {
	APIURL  string // e.g. https://gitlab.com/api/v4 (CI_API_V4_URL in a job)
	Project string // numeric ID (CI_PROJECT_ID) or full path "group/project"
	IID     int    // merge request IID (CI_MERGE_REQUEST_IID)
	Token   string // never printed
	// JobToken sends Token as JOB-TOKEN (CI_JOB_TOKEN) instead of
	// PRIVATE-TOKEN (a personal, project or group access token).
	JobToken bool
	WebURL   string // project web URL, to link the note in messages
	Client   *http.Client
	Timeout  time.Duration // per API call; DefaultTimeout when zero
}

// NewGitLab checks o and returns the merge request it names.
func NewGitLab(o GitLabOptions) (*GitLab, error) {
	if o.Project == "" || strings.ContainsAny(o.Project, " \t\n?#") || strings.HasPrefix(o.Project, "/") || strings.HasSuffix(o.Project, "/") {
		return nil, fmt.Errorf("forge: gitlab: project %q is not a project ID or group/project path: set CI_PROJECT_ID or pass --repo-slug", o.Project)
	}
	if o.IID <= 0 {
		return nil, fmt.Errorf("forge: gitlab: merge request IID %d: pass the MR IID with --pr (CI_MERGE_REQUEST_IID is set only in merge request pipelines)", o.IID)
	}
	if o.Token == "" {
		return nil, fmt.Errorf("forge: gitlab: no token: set GITLAB_TOKEN to an access token with the api scope (or run in a job, which has CI_JOB_TOKEN)")
	}
	h := http.Header{}
	if o.JobToken {
		h.Set("JOB-TOKEN", o.Token)
	} else {
		h.Set("PRIVATE-TOKEN", o.Token)
	}
	h.Set("Accept", "application/json")
	g := &GitLab{project: o.Project, iid: o.IID, webURL: strings.TrimRight(o.WebURL, "/")}
	a, err := newAPI("gitlab", o.APIURL, h, o.Client, o.Timeout, g.hint)
	if err != nil {
		return nil, err
	}
	g.api = a
	return g, nil
}

// String returns "project!IID", GitLab's own notation.
func (g *GitLab) String() string { return g.project + "!" + strconv.Itoa(g.iid) }

func (g *GitLab) maxBody() int { return GitLabMaxBody }

// notesPath escapes the project path whole: "group/project" -> group%2Fproject.
func (g *GitLab) notesPath() string {
	return "/projects/" + url.PathEscape(g.project) + "/merge_requests/" + strconv.Itoa(g.iid) + "/notes"
}

type gitlabNote struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	System bool   `json:"system"`
}

func (g *GitLab) comment(n gitlabNote) *Comment {
	c := &Comment{ID: n.ID, Body: n.Body}
	if g.webURL != "" {
		c.URL = fmt.Sprintf("%s/-/merge_requests/%d#note_%d", g.webURL, g.iid, n.ID)
	}
	return c
}

func (g *GitLab) find(ctx context.Context, marker string) (*Comment, error) {
	q := url.Values{"per_page": {"100"}, "sort": {"asc"}, "order_by": {"created_at"}}
	next := g.api.url(g.notesPath(), q)
	for next != "" {
		var page []gitlabNote
		var err error
		next, err = g.api.do(ctx, http.MethodGet, next, nil, &page)
		if err != nil {
			return nil, err
		}
		for _, n := range page {
			// System notes ("added 1 commit") are GitLab's, never strata's.
			if !n.System && hasMarker(n.Body, marker) {
				return g.comment(n), nil
			}
		}
	}
	return nil, nil
}

func (g *GitLab) create(ctx context.Context, body string) (*Comment, error) {
	var n gitlabNote
	if _, err := g.api.do(ctx, http.MethodPost, g.api.url(g.notesPath(), nil), map[string]string{"body": body}, &n); err != nil {
		return nil, err
	}
	return g.comment(n), nil
}

func (g *GitLab) update(ctx context.Context, id int64, body string) (*Comment, error) {
	var n gitlabNote
	u := g.api.url(g.notesPath()+"/"+strconv.FormatInt(id, 10), nil)
	if _, err := g.api.do(ctx, http.MethodPut, u, map[string]string{"body": body}, &n); err != nil {
		return nil, err
	}
	return g.comment(n), nil
}

func (g *GitLab) hint(e *APIError) string {
	switch {
	case e.RateLimited:
		return "GitLab's rate limit is reached: retry the job later"
	case e.Status == http.StatusUnauthorized:
		return "the token is missing, expired or invalid: set GITLAB_TOKEN to an access token with the api scope"
	case e.Status == http.StatusForbidden:
		return "the token may not write merge request notes: use a project access token with the api scope and at least the Reporter role in GITLAB_TOKEN " +
			"(CI_JOB_TOKEN cannot post notes on most GitLab versions)"
	case e.Status == http.StatusNotFound:
		return fmt.Sprintf("project %q or merge request !%d not found: check CI_PROJECT_ID/--repo-slug and the MR IID (--pr); "+
			"a token without access to the project also gets 404", g.project, g.iid)
	case e.Status == http.StatusBadRequest, e.Status == http.StatusUnprocessableEntity:
		return "GitLab refused the note body"
	case e.Status >= 500:
		return "GitLab had an error: retry the job later"
	}
	return ""
}
