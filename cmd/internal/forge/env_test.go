package forge_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stratadb/strata/cmd/internal/forge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeEvent writes a webhook payload as GitHub Actions does and returns its path.
func writeEvent(t *testing.T, payload string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	require.NoError(t, os.WriteFile(p, []byte(payload), 0o600))
	return p
}

func TestDetect(t *testing.T) {
	prEvent := writeEvent(t, `{"action":"synchronize","number":17,"pull_request":{"number":17,"head":{"ref":"add-tenant"}}}`)
	commentEvent := writeEvent(t, `{"action":"created","issue":{"number":23,"pull_request":{"url":"x"}}}`)
	issueEvent := writeEvent(t, `{"action":"created","issue":{"number":24}}`)
	pushEvent := writeEvent(t, `{"ref":"refs/heads/main","after":"abc"}`)
	badEvent := writeEvent(t, `{"pull_request":`)
	actions := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/tenants", "GITHUB_TOKEN": "t0k",
		"GITHUB_API_URL": "https://ghe.example/api/v3",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	gitlab := map[string]string{
		"GITLAB_CI": "true", "CI_API_V4_URL": "https://gitlab.example/api/v4", "CI_PROJECT_ID": "88",
		"CI_MERGE_REQUEST_IID": "5", "CI_JOB_TOKEN": "job-tok", "CI_PROJECT_URL": "https://gitlab.example/acme/tenants",
	}
	cases := []struct {
		name    string
		env     map[string]string
		flags   forge.Target
		want    forge.Target
		wantErr string
	}{
		{name: "pull_request event file", env: with(actions, "GITHUB_EVENT_PATH", prEvent, "GITHUB_REF", "refs/pull/99/merge"),
			want: forge.Target{Provider: "github", APIURL: "https://ghe.example/api/v3", Repo: "acme/tenants", Number: 17, Token: "t0k"}},
		{name: "issue_comment on a PR", env: with(actions, "GITHUB_EVENT_PATH", commentEvent),
			want: forge.Target{Provider: "github", APIURL: "https://ghe.example/api/v3", Repo: "acme/tenants", Number: 23, Token: "t0k"}},
		{name: "GITHUB_REF when the event has no PR", env: with(actions, "GITHUB_EVENT_PATH", pushEvent, "GITHUB_REF", "refs/pull/31/merge"),
			want: forge.Target{Provider: "github", APIURL: "https://ghe.example/api/v3", Repo: "acme/tenants", Number: 31, Token: "t0k"}},
		{name: "default API URL", env: map[string]string{"GITHUB_REPOSITORY": "a/b", "GITHUB_REF": "refs/pull/4/head"},
			want: forge.Target{Provider: "github", APIURL: "https://api.github.com", Repo: "a/b", Number: 4}},
		{name: "flags win and skip the event file", env: with(actions, "GITHUB_EVENT_PATH", badEvent),
			flags: forge.Target{Repo: "acme/other", Number: 8, APIURL: "http://127.0.0.1:1"},
			want:  forge.Target{Provider: "github", APIURL: "http://127.0.0.1:1", Repo: "acme/other", Number: 8, Token: "t0k"}},
		{name: "push event", env: with(actions, "GITHUB_EVENT_PATH", pushEvent, "GITHUB_EVENT_NAME", "push", "GITHUB_REF", "refs/heads/main"),
			wantErr: `no pull request number: this run is for event "push", ref "refs/heads/main"; run the job ` + "`on: pull_request`" + ` or pass --pr N`},
		{name: "issue_comment on an issue", env: with(actions, "GITHUB_EVENT_PATH", issueEvent),
			wantErr: "no pull request number"},
		{name: "broken event file", env: with(actions, "GITHUB_EVENT_PATH", badEvent),
			wantErr: "event file " + badEvent + " (GITHUB_EVENT_PATH) is not the JSON GitHub writes"},
		{name: "missing event file", env: with(actions, "GITHUB_EVENT_PATH", "/nonexistent/event.json"),
			wantErr: "read event file (GITHUB_EVENT_PATH)"},
		{name: "gitlab job token", env: gitlab,
			want: forge.Target{Provider: "gitlab", APIURL: "https://gitlab.example/api/v4", Repo: "88", Number: 5, Token: "job-tok", JobToken: true, WebURL: "https://gitlab.example/acme/tenants"}},
		{name: "gitlab access token preferred, fork MR in target project",
			env:  with(gitlab, "GITLAB_TOKEN", "glpat", "CI_MERGE_REQUEST_PROJECT_ID", "77", "CI_MERGE_REQUEST_PROJECT_URL", "https://gitlab.example/up/stream"),
			want: forge.Target{Provider: "gitlab", APIURL: "https://gitlab.example/api/v4", Repo: "77", Number: 5, Token: "glpat", WebURL: "https://gitlab.example/up/stream"}},
		{name: "provider flag on a laptop", env: map[string]string{"GITLAB_TOKEN": "glpat"},
			flags: forge.Target{Provider: "gitlab", Repo: "acme/tenants", Number: 2},
			want:  forge.Target{Provider: "gitlab", APIURL: "https://gitlab.com/api/v4", Repo: "acme/tenants", Number: 2, Token: "glpat"}},
		{name: "no CI at all", env: map[string]string{},
			wantErr: "not in GitHub Actions or GitLab CI: pass --provider"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := forge.Detect(func(k string) string { return c.env[k] }, c.flags)
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestOpenChecksTarget(t *testing.T) {
	cases := []struct {
		name string
		t    forge.Target
		want string
	}{
		{"github without token", forge.Target{Provider: "github", Repo: "a/b", Number: 1}, "set GITHUB_TOKEN"},
		{"gitlab outside a MR pipeline", forge.Target{Provider: "gitlab", Repo: "1", Token: "x"}, "CI_MERGE_REQUEST_IID is set only in merge request pipelines"},
		{"gitlab without project", forge.Target{Provider: "gitlab", Number: 1, Token: "x"}, "set CI_PROJECT_ID or pass --repo-slug"},
		{"unknown provider", forge.Target{Provider: "bitbucket"}, `provider "bitbucket": use github or gitlab`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := forge.Open(c.t, nil, 0)
			require.ErrorContains(t, err, c.want)
			assert.Nil(t, f)
		})
	}
}
