package forge_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stratadb/strata/cmd/internal/forge"
	"github.com/stratadb/strata/cmd/internal/forge/forgetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const glToken = "glpat-secret-token-value"

func TestGitLabUpsert(t *testing.T) {
	cases := []struct {
		name     string
		project  string
		jobToken bool
		notes    string // escaped notes path
	}{
		{"project path with access token", "acme/infra/tenants", false, "/api/v4/projects/acme%2Finfra%2Ftenants/merge_requests/9/notes"},
		{"numeric project ID with job token", "4711", true, "/api/v4/projects/4711/merge_requests/9/notes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := forgetest.NewGitLab(t, c.project, 9, glToken, c.jobToken)
			fake.Seed(
				forgetest.Comment{Body: "Looks good"},
				// A system note never is strata's, whatever its body.
				forgetest.Comment{Body: "<!-- strata:plan -->\nsystem", System: true, Author: "gitlab"},
				forgetest.Comment{Body: "changed the description"},
				forgetest.Comment{Body: "<!-- strata:plan:billing -->\nbilling"},
			)
			f, err := forge.NewGitLab(forge.GitLabOptions{
				APIURL: fake.URL, Project: c.project, IID: 9, Token: glToken, JobToken: c.jobToken,
				WebURL: "https://gitlab.example/acme/tenants/", Timeout: 5 * time.Second,
			})
			require.NoError(t, err)
			list1 := "GET " + c.notes + "?order_by=created_at&per_page=100&sort=asc"
			list2 := "GET " + c.notes + "?order_by=created_at&page=2&per_page=100&sort=asc"

			res, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan v1")
			require.NoError(t, err)
			assert.Equal(t, "created", res.Action)
			assert.Equal(t, int64(1005), res.ID)
			assert.Equal(t, "https://gitlab.example/acme/tenants/-/merge_requests/9#note_1005", res.URL)
			assert.Equal(t, []string{list1, list2, "POST " + c.notes}, fake.Requests())

			res, err = forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan v2")
			require.NoError(t, err)
			assert.Equal(t, "updated", res.Action)
			assert.Equal(t, int64(1005), res.ID)
			assert.Equal(t, []string{list1, list2, "PUT " + c.notes + "/1005"}, fake.Requests())

			got := fake.Comments()
			require.Len(t, got, 5)
			assert.Equal(t, "<!-- strata:plan -->\nsystem", got[1].Body, "system note untouched")
			assert.Equal(t, "<!-- strata:plan -->\nplan v2", got[4].Body)
		})
	}
}

func TestGitLabErrors(t *testing.T) {
	cases := []struct {
		name     string
		project  string
		token    string
		jobToken bool
		failure  *forgetest.Failure
		wantIs   error
		wantText []string
	}{
		{name: "bad token", project: "acme/tenants", token: "wrong",
			wantIs: forge.ErrUnauthorized, wantText: []string{"401", "set GITLAB_TOKEN"}},
		{name: "job token may not post", project: "acme/tenants", token: glToken, jobToken: true,
			failure: &forgetest.Failure{Method: http.MethodPost, Status: 403, Message: "403 Forbidden"},
			wantIs:  forge.ErrForbidden, wantText: []string{"POST", "api scope", "CI_JOB_TOKEN cannot post notes"}},
		{name: "wrong project", project: "acme/other", token: glToken,
			wantIs: forge.ErrNotFound, wantText: []string{"404 Project Not Found", `project "acme/other" or merge request !3 not found`, "--repo-slug"}},
		{name: "too many requests", project: "acme/tenants", token: glToken,
			failure: &forgetest.Failure{Status: 429, Message: "Retry later"},
			wantIs:  forge.ErrRateLimited, wantText: []string{"429", "rate limit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := forgetest.NewGitLab(t, "acme/tenants", 3, glToken, c.jobToken)
			fake.Fail(c.failure)
			f, err := forge.NewGitLab(forge.GitLabOptions{APIURL: fake.URL, Project: c.project, IID: 3, Token: c.token, JobToken: c.jobToken})
			require.NoError(t, err)
			_, err = forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan")
			require.Error(t, err)
			assert.ErrorIs(t, err, c.wantIs)
			for _, w := range c.wantText {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), glToken)
			assert.Empty(t, fake.Comments())
		})
	}
}

func TestGitLabAcceptsLongerNotes(t *testing.T) {
	fake := forgetest.NewGitLab(t, "1", 1, glToken, false)
	f, err := forge.NewGitLab(forge.GitLabOptions{APIURL: fake.URL, Project: "1", IID: 1, Token: glToken})
	require.NoError(t, err)
	body := make([]byte, forge.GitHubMaxBody+10)
	for i := range body {
		body[i] = 'x'
	}
	res, err := forge.Upsert(context.Background(), f, forge.DefaultMarker, string(body))
	require.NoError(t, err, "GitLab's limit is 1,000,000 characters, not GitHub's")
	assert.Equal(t, "created", res.Action)
}

func TestRedirectMustStayOnHost(t *testing.T) {
	leaked := make(chan string, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never block: the test must fail, not hang
		case leaked <- r.Header.Get("PRIVATE-TOKEN"):
		default:
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	f, err := forge.NewGitLab(forge.GitLabOptions{APIURL: srv.URL + "/api/v4", Project: "1", IID: 1, Token: glToken})
	require.NoError(t, err)
	_, err = forge.Upsert(context.Background(), f, forge.DefaultMarker, "plan")
	require.ErrorContains(t, err, "leaves the API host")
	assert.NotContains(t, err.Error(), glToken)
	select {
	case tok := <-leaked:
		t.Fatalf("the other host got a request with PRIVATE-TOKEN %q", tok)
	default:
	}
}
