package forge

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"time"
)

// Provider names a code host.
type Provider string

// The code hosts strata posts to.
const (
	ProviderGitHub Provider = "github"
	ProviderGitLab Provider = "gitlab"
)

// ParseProvider accepts "github" or "gitlab" ("" stays "", to be detected).
func ParseProvider(s string) (Provider, error) {
	switch p := Provider(s); p {
	case "", ProviderGitHub, ProviderGitLab:
		return p, nil
	}
	return "", fmt.Errorf("forge: provider %q: use github or gitlab", s)
}

// Target names the pull or merge request to comment on and how to reach it.
// [Detect] fills it from the CI environment.
type Target struct {
	Provider Provider
	APIURL   string
	Repo     string // GitHub owner/name; GitLab project ID or path
	Number   int    // PR number or MR IID
	Token    string
	JobToken bool   // GitLab: Token is CI_JOB_TOKEN
	WebURL   string // GitLab project web URL, for links
}

// Default API URLs when the environment names none.
const (
	DefaultGitHubAPIURL = "https://api.github.com"
	DefaultGitLabAPIURL = "https://gitlab.com/api/v4"
)

// Detect fills the fields of t left zero from the CI environment that
// getenv reads (os.Getenv in the CLI): GitHub Actions (GITHUB_ACTIONS,
// GITHUB_API_URL, GITHUB_TOKEN, GITHUB_REPOSITORY, and the PR number from the
// event file GITHUB_EVENT_PATH or from GITHUB_REF refs/pull/N/merge) or GitLab
// CI (GITLAB_CI, CI_API_V4_URL, CI_MERGE_REQUEST_PROJECT_ID or CI_PROJECT_ID,
// CI_MERGE_REQUEST_IID, GITLAB_TOKEN or else CI_JOB_TOKEN). Fields already
// set (from flags) win and are not looked up.
func Detect(getenv func(string) string, t Target) (Target, error) {
	if t.Provider == "" {
		switch {
		case getenv("GITHUB_ACTIONS") == "true", getenv("GITHUB_REPOSITORY") != "":
			t.Provider = ProviderGitHub
		case getenv("GITLAB_CI") == "true", getenv("CI_PROJECT_ID") != "":
			t.Provider = ProviderGitLab
		default:
			return t, errors.New("forge: not in GitHub Actions or GitLab CI: pass --provider github|gitlab, --repo-slug, --pr and set GITHUB_TOKEN or GITLAB_TOKEN")
		}
	}
	switch t.Provider {
	case ProviderGitHub:
		return detectGitHub(getenv, t)
	case ProviderGitLab:
		return detectGitLab(getenv, t), nil
	}
	return t, fmt.Errorf("forge: provider %q: use github or gitlab", t.Provider)
}

func detectGitHub(getenv func(string) string, t Target) (Target, error) {
	t.APIURL = first(t.APIURL, getenv("GITHUB_API_URL"), DefaultGitHubAPIURL)
	t.Repo = first(t.Repo, getenv("GITHUB_REPOSITORY"))
	t.Token = first(t.Token, getenv("GITHUB_TOKEN"))
	if t.Number != 0 {
		return t, nil
	}
	if path := getenv("GITHUB_EVENT_PATH"); path != "" {
		n, err := eventPRNumber(path)
		if err != nil {
			return t, err
		}
		t.Number = n
	}
	if t.Number == 0 {
		t.Number = refPRNumber(getenv("GITHUB_REF"))
	}
	if t.Number == 0 {
		return t, fmt.Errorf("forge: github: no pull request number: this run is for event %q, ref %q; run the job `on: pull_request` or pass --pr N",
			getenv("GITHUB_EVENT_NAME"), getenv("GITHUB_REF"))
	}
	return t, nil
}

// eventPRNumber reads the webhook payload GitHub Actions writes for the run:
// pull_request events carry pull_request.number; issue_comment events on a
// PR carry issue.number with issue.pull_request set. Other events give 0.
func eventPRNumber(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("forge: github: read event file (GITHUB_EVENT_PATH): %w", err)
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
		Issue *struct {
			Number      int             `json:"number"`
			PullRequest json.RawMessage `json:"pull_request"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return 0, fmt.Errorf("forge: github: event file %s (GITHUB_EVENT_PATH) is not the JSON GitHub writes: %w", path, err)
	}
	switch {
	case ev.PullRequest != nil:
		return ev.PullRequest.Number, nil
	case ev.Issue != nil && len(ev.Issue.PullRequest) > 0 && string(ev.Issue.PullRequest) != "null":
		return ev.Issue.Number, nil
	}
	return 0, nil
}

var pullRef = regexp.MustCompile(`^refs/pull/([0-9]+)/(merge|head)$`)

// refPRNumber reads N from refs/pull/N/merge, the ref pull_request runs check out.
func refPRNumber(ref string) int {
	m := pullRef.FindStringSubmatch(ref)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func detectGitLab(getenv func(string) string, t Target) Target {
	t.APIURL = first(t.APIURL, getenv("CI_API_V4_URL"), DefaultGitLabAPIURL)
	// A merge request from a fork lives in the target project, which
	// CI_MERGE_REQUEST_PROJECT_ID names; CI_PROJECT_ID is the pipeline's.
	t.Repo = first(t.Repo, getenv("CI_MERGE_REQUEST_PROJECT_ID"), getenv("CI_PROJECT_ID"))
	t.WebURL = first(t.WebURL, getenv("CI_MERGE_REQUEST_PROJECT_URL"), getenv("CI_PROJECT_URL"))
	if t.Number == 0 {
		t.Number, _ = strconv.Atoi(getenv("CI_MERGE_REQUEST_IID"))
	}
	if t.Token == "" {
		if tok := getenv("GITLAB_TOKEN"); tok != "" {
			t.Token = tok
		} else if tok := getenv("CI_JOB_TOKEN"); tok != "" {
			t.Token, t.JobToken = tok, true
		}
	}
	return t
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Open checks t and returns the forge it names. client may be nil (a plain
// client); redirects never leave the API host. timeout bounds each API call
// (DefaultTimeout when zero).
func Open(t Target, client *http.Client, timeout time.Duration) (Forge, error) {
	// Return nil, not a typed nil pointer, with an error.
	switch t.Provider {
	case ProviderGitHub:
		g, err := NewGitHub(GitHubOptions{APIURL: first(t.APIURL, DefaultGitHubAPIURL), Repo: t.Repo, Number: t.Number, Token: t.Token, Client: client, Timeout: timeout})
		if err != nil {
			return nil, err
		}
		return g, nil
	case ProviderGitLab:
		g, err := NewGitLab(GitLabOptions{
			APIURL: first(t.APIURL, DefaultGitLabAPIURL), Project: t.Repo, IID: t.Number, Token: t.Token,
			JobToken: t.JobToken, WebURL: t.WebURL, Client: client, Timeout: timeout,
		})
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, fmt.Errorf("forge: provider %q: use github or gitlab", t.Provider)
}
