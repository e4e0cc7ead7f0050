package forge_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratadb/strata/cmd/internal/forge"
	"github.com/stratadb/strata/cmd/internal/forge/forgetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ghToken = "ghs_secret_token_value"

func newGitHub(t *testing.T, apiURL, repo string, number int, token string) forge.Forge {
	t.Helper()
	g, err := forge.NewGitHub(forge.GitHubOptions{APIURL: apiURL, Repo: repo, Number: number, Token: token, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return g
}

// otherComments are what a real PR holds before strata comments: none of
// them is strata's comment for the default marker.
var otherComments = []forgetest.Comment{
	{Body: "LGTM once CI passes"},
	{Body: "> <!-- strata:plan -->\n> quoting the plan is not the plan"},
	{Body: "<!-- strata:plan:billing -->\nplan of the billing config"},
	{Body: "one more review comment"},
}

func TestGitHubUpsert(t *testing.T) {
	fake := forgetest.NewGitHub(t, "acme/tenants", 42, ghToken)
	fake.Seed(otherComments...)
	f := newGitHub(t, fake.URL, "acme/tenants", 42, ghToken)

	list1 := "GET /repos/acme/tenants/issues/42/comments?per_page=100"
	list2 := "GET /repos/acme/tenants/issues/42/comments?page=2&per_page=100"
	steps := []struct {
		name, key, body string
		wantAction      string
		wantID          int64
		wantRequests    []string
	}{
		{"first run creates", "", "## Plan\n1 to change\n", "created", 1005,
			[]string{list1, list2, "POST /repos/acme/tenants/issues/42/comments"}},
		{"second run updates the comment found on page 2", "", "## Plan\n2 to change\n", "updated", 1005,
			[]string{list1, list2, "PATCH /repos/acme/tenants/issues/comments/1005"}},
		{"same plan again changes nothing", "", "## Plan\n2 to change\n", "unchanged", 1005,
			[]string{list1, list2}},
		{"a body that already starts with the marker keeps one marker", "", "<!-- strata:plan -->\n## Plan\n3 to change\n", "updated", 1005,
			[]string{list1, list2, "PATCH /repos/acme/tenants/issues/comments/1005"}},
		{"another key updates its own comment on page 1", "billing", "billing plan v2\n", "updated", 1003,
			[]string{list1, "PATCH /repos/acme/tenants/issues/comments/1003"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			marker, err := forge.Marker(s.key)
			require.NoError(t, err)
			res, err := forge.Upsert(context.Background(), f, marker, s.body)
			require.NoError(t, err)
			assert.Equal(t, s.wantAction, res.Action)
			assert.Equal(t, s.wantID, res.ID)
			assert.Equal(t, "https://github.com/acme/tenants/pull/42#issuecomment-"+strconv.FormatInt(s.wantID, 10), res.URL)
			assert.Equal(t, s.wantRequests, fake.Requests())
		})
	}

	got := fake.Comments()
	require.Len(t, got, 5, "exactly one comment added over all runs")
	for i, c := range otherComments[:2] {
		assert.Equal(t, c.Body, got[i].Body, "comment %d untouched", i)
	}
	assert.Equal(t, "<!-- strata:plan:billing -->\nbilling plan v2\n", got[2].Body)
	assert.Equal(t, otherComments[3].Body, got[3].Body)
	assert.Equal(t, "<!-- strata:plan -->\n## Plan\n3 to change\n", got[4].Body)
	assert.Equal(t, "github-actions[bot]", got[4].Author)
}

func TestGitHubErrors(t *testing.T) {
	cases := []struct {
		name     string
		repo     string
		token    string
		failure  *forgetest.Failure
		wantIs   error
		wantText []string
	}{
		{name: "bad token", repo: "acme/tenants", token: "wrong",
			wantIs: forge.ErrUnauthorized, wantText: []string{"401 Unauthorized", "Bad credentials", "set GITHUB_TOKEN"}},
		{name: "read-only token", repo: "acme/tenants", token: ghToken,
			failure: &forgetest.Failure{Method: http.MethodPost, Status: 403, Message: "Resource not accessible by integration"},
			wantIs:  forge.ErrForbidden, wantText: []string{"POST", "403 Forbidden", "Resource not accessible by integration", "permissions: pull-requests: write"}},
		{name: "wrong repository", repo: "acme/other", token: ghToken,
			wantIs: forge.ErrNotFound, wantText: []string{"404 Not Found", `repository "acme/other" or pull request #42 not found`, "--repo-slug"}},
		{name: "rate limit spent", repo: "acme/tenants", token: ghToken,
			failure: &forgetest.Failure{Status: 403, Message: "API rate limit exceeded", Header: map[string]string{"X-RateLimit-Remaining": "0"}},
			wantIs:  forge.ErrRateLimited, wantText: []string{"rate limit", "retry after"}},
		{name: "body refused", repo: "acme/tenants", token: ghToken,
			failure: &forgetest.Failure{Method: http.MethodPost, Status: 422, Message: "Validation Failed"},
			wantIs:  forge.ErrRejected, wantText: []string{"422", "Validation Failed", "refused the comment body"}},
		{name: "server error", repo: "acme/tenants", token: ghToken,
			failure: &forgetest.Failure{Status: 502, Message: "Server Error"},
			wantIs:  forge.ErrServer, wantText: []string{"502 Bad Gateway", "retry the job later"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := forgetest.NewGitHub(t, "acme/tenants", 42, ghToken)
			fake.Fail(c.failure)
			f := newGitHub(t, fake.URL, c.repo, 42, c.token)
			_, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan")
			require.Error(t, err)
			assert.ErrorIs(t, err, c.wantIs)
			for _, w := range c.wantText {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), ghToken)
			assert.Empty(t, fake.Comments(), "nothing posted")
		})
	}
}

func TestBodyLimit(t *testing.T) {
	prefix := len([]rune(forge.DefaultMarker + "\n"))
	cases := []struct {
		name    string
		runes   int // of the body without the marker line
		wantErr bool
	}{
		{"exactly the limit with the marker line", forge.GitHubMaxBody - prefix, false},
		{"one character over", forge.GitHubMaxBody - prefix + 1, true},
		{"far over", 3 * forge.GitHubMaxBody, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := forgetest.NewGitHub(t, "acme/tenants", 7, ghToken)
			f := newGitHub(t, fake.URL, "acme/tenants", 7, ghToken)
			// Multi-byte characters: the limit is in characters, not bytes.
			body := strings.Repeat("é", c.runes)
			_, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, body)
			if !c.wantErr {
				require.NoError(t, err)
				require.Len(t, fake.Comments(), 1)
				return
			}
			require.ErrorIs(t, err, forge.ErrBodyTooLong)
			assert.Contains(t, err.Error(), "at most 65536")
			assert.Contains(t, err.Error(), "acme/tenants#7")
			assert.Empty(t, fake.Requests(), "refused before any request")
		})
	}
}

func TestEmptyBodyRefused(t *testing.T) {
	fake := forgetest.NewGitHub(t, "acme/tenants", 7, ghToken)
	f := newGitHub(t, fake.URL, "acme/tenants", 7, ghToken)
	_, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, " \n")
	require.ErrorContains(t, err, "comment body is empty")
	assert.Empty(t, fake.Requests())
}

func TestTimeout(t *testing.T) {
	fake := forgetest.NewGitHub(t, "acme/tenants", 7, ghToken)
	fake.Delay(5 * time.Second)
	g, err := forge.NewGitHub(forge.GitHubOptions{APIURL: fake.URL, Repo: "acme/tenants", Number: 7, Token: ghToken, Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	_, err = forge.Upsert(context.Background(), g, forge.DefaultMarker, "plan")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "no answer within 100ms")
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestNextPageMustStayOnHost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://evil.example/repos/acme/tenants/issues/7/comments?page=2>; rel="next"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	f := newGitHub(t, srv.URL, "acme/tenants", 7, ghToken)
	_, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to send the token")
}

func TestNewGitHubChecksOptions(t *testing.T) {
	cases := []struct {
		name string
		o    forge.GitHubOptions
		want string
	}{
		{"repo without owner", forge.GitHubOptions{APIURL: "https://api.github.com", Repo: "tenants", Number: 1, Token: "x"}, "is not owner/name"},
		{"repo with extra slash", forge.GitHubOptions{APIURL: "https://api.github.com", Repo: "a/b/c", Number: 1, Token: "x"}, "is not owner/name"},
		{"no number", forge.GitHubOptions{APIURL: "https://api.github.com", Repo: "a/b", Token: "x"}, "--pr"},
		{"no token", forge.GitHubOptions{APIURL: "https://api.github.com", Repo: "a/b", Number: 1}, "set GITHUB_TOKEN"},
		{"bad API URL", forge.GitHubOptions{APIURL: "api.github.com", Repo: "a/b", Number: 1, Token: "x"}, "is not an http(s) URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := forge.NewGitHub(c.o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.True(t, strings.HasPrefix(err.Error(), "forge: github: "), err.Error())
			assert.False(t, errors.Is(err, forge.ErrNotFound))
		})
	}
}
