package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stratadb/strata/cmd/internal/forge/forgetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// buildCIBinary builds the real strata binary for this file's tests.
func buildCIBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strata")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

type ciResult struct {
	code           int
	stdout, stderr string
}

// ciRunStrata runs bin with exactly env (nothing inherited, so the CI this
// test itself runs in cannot leak in) and stdin.
func ciRunStrata(t *testing.T, bin string, env []string, stdin string, args ...string) ciResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir()}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return ciResult{code, out.String(), errb.String()}
}

func ciWriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

const (
	ciGitHubToken = "ghs_do_not_print_me"
	ciGitLabToken = "glcbt-do-not-print-me"
)

func TestCIComment(t *testing.T) {
	bin := buildCIBinary(t)

	t.Run("github: create, then update the comment on page 2", func(t *testing.T) {
		fake := forgetest.NewGitHub(t, "acme/tenants", 42, ciGitHubToken)
		fake.Seed(forgetest.Comment{Body: "first review"}, forgetest.Comment{Body: "second"}, forgetest.Comment{Body: "third"})
		dir := t.TempDir()
		env := []string{
			"GITHUB_ACTIONS=true", "GITHUB_API_URL=" + fake.URL, "GITHUB_REPOSITORY=acme/tenants",
			"GITHUB_TOKEN=" + ciGitHubToken, "GITHUB_REF=refs/pull/42/merge",
			"GITHUB_EVENT_PATH=" + ciWriteFile(t, dir, "event.json", `{"number":42,"pull_request":{"number":42}}`),
		}
		plan := ciWriteFile(t, dir, "plan.md", "### strata plan\n1 tenant: 1 to create\n")

		r := ciRunStrata(t, bin, env, "", "ci", "comment", "--file", plan)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "created comment 1004 on acme/tenants#42: https://github.com/acme/tenants/pull/42#issuecomment-1004\n", r.stdout)
		assert.Equal(t, []string{
			"GET /repos/acme/tenants/issues/42/comments?per_page=100",
			"POST /repos/acme/tenants/issues/42/comments",
		}, fake.Requests())

		// The next push: the plan arrives on stdin and replaces the comment.
		r = ciRunStrata(t, bin, env, "### strata plan\n1 tenant: 1 to change (3 statements)\n", "ci", "comment")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "updated comment 1004 on acme/tenants#42: https://github.com/acme/tenants/pull/42#issuecomment-1004\n", r.stdout)
		assert.Equal(t, []string{
			"GET /repos/acme/tenants/issues/42/comments?per_page=100",
			"GET /repos/acme/tenants/issues/42/comments?page=2&per_page=100",
			"PATCH /repos/acme/tenants/issues/comments/1004",
		}, fake.Requests())

		// A second config in the same repository keeps its own comment.
		r = ciRunStrata(t, bin, env, "billing plan", "ci", "comment", "--marker", "billing", "--file", "-")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "created comment 1005")

		got := fake.Comments()
		require.Len(t, got, 5)
		assert.Equal(t, "<!-- strata:plan -->\n### strata plan\n1 tenant: 1 to change (3 statements)\n", got[3].Body)
		assert.Equal(t, "<!-- strata:plan:billing -->\nbilling plan", got[4].Body)
		assert.NotContains(t, r.stdout+r.stderr, ciGitHubToken)
	})

	t.Run("gitlab: job token, create then update", func(t *testing.T) {
		fake := forgetest.NewGitLab(t, "4711", 9, ciGitLabToken, true)
		fake.Seed(forgetest.Comment{Body: "added 1 commit", System: true})
		env := []string{
			"GITLAB_CI=true", "CI_API_V4_URL=" + fake.URL, "CI_PROJECT_ID=4711", "CI_MERGE_REQUEST_IID=9",
			"CI_JOB_TOKEN=" + ciGitLabToken, "CI_PROJECT_URL=https://gitlab.example/acme/tenants",
		}
		r := ciRunStrata(t, bin, env, "plan v1", "ci", "comment")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "created comment 1002 on 4711!9: https://gitlab.example/acme/tenants/-/merge_requests/9#note_1002\n", r.stdout)
		r = ciRunStrata(t, bin, env, "plan v2", "ci", "comment")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "updated comment 1002 on 4711!9")
		assert.Equal(t, []string{
			"GET /api/v4/projects/4711/merge_requests/9/notes?order_by=created_at&per_page=100&sort=asc",
			"POST /api/v4/projects/4711/merge_requests/9/notes",
			"GET /api/v4/projects/4711/merge_requests/9/notes?order_by=created_at&per_page=100&sort=asc",
			"PUT /api/v4/projects/4711/merge_requests/9/notes/1002",
		}, fake.Requests())
		assert.Equal(t, "<!-- strata:plan -->\nplan v2", fake.Comments()[1].Body)
	})

	t.Run("flags override the environment", func(t *testing.T) {
		fake := forgetest.NewGitLab(t, "acme/tenants", 5, ciGitLabToken, false)
		env := []string{"GITLAB_TOKEN=" + ciGitLabToken, "CI_PROJECT_ID=999", "CI_MERGE_REQUEST_IID=1"}
		r := ciRunStrata(t, bin, env, "plan", "ci", "comment", "--provider", "gitlab", "--api-url", fake.URL,
			"--repo-slug", "acme/tenants", "--pr", "5")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, []string{
			"GET /api/v4/projects/acme%2Ftenants/merge_requests/5/notes?order_by=created_at&per_page=100&sort=asc",
			"POST /api/v4/projects/acme%2Ftenants/merge_requests/5/notes",
		}, fake.Requests())
	})

	errorCases := []struct {
		name       string
		failStatus int
		env        func(dir, apiURL string) []string
		stdin      string
		args       []string
		wantStderr []string
	}{
		{name: "token without pull-requests:write", failStatus: 403,
			stdin:      "plan",
			wantStderr: []string{"strata: forge: github: POST", "403 Forbidden", "permissions: pull-requests: write"}},
		{name: "push event has no PR",
			env: func(dir, apiURL string) []string {
				return []string{"GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/tenants", "GITHUB_TOKEN=" + ciGitHubToken,
					"GITHUB_API_URL=" + apiURL, "GITHUB_EVENT_NAME=push", "GITHUB_REF=refs/heads/main",
					"GITHUB_EVENT_PATH=" + ciWriteFile(t, dir, "event.json", `{"ref":"refs/heads/main"}`)}
			},
			stdin:      "plan",
			wantStderr: []string{"no pull request number", `event "push"`, "pass --pr N"}},
		{name: "no token",
			env: func(dir, apiURL string) []string {
				return []string{"GITHUB_REPOSITORY=acme/tenants", "GITHUB_API_URL=" + apiURL, "GITHUB_REF=refs/pull/42/merge"}
			},
			stdin:      "plan",
			wantStderr: []string{"no token: set GITHUB_TOKEN"}},
		{name: "missing plan file", args: []string{"--file", "nonexistent-plan.md"},
			wantStderr: []string{"ci comment: read nonexistent-plan.md", "strata plan --format markdown > nonexistent-plan.md"}},
		{name: "empty plan", stdin: "\n",
			wantStderr: []string{"comment body is empty"}},
		{name: "plan over GitHub's limit", stdin: strings.Repeat("x", 70000),
			wantStderr: []string{"comment body too long", "at most 65536"}},
		{name: "unknown provider", stdin: "plan", args: []string{"--provider", "bitbucket"},
			wantStderr: []string{`provider "bitbucket": use github or gitlab`}},
		{name: "bad marker key", stdin: "plan", args: []string{"--marker", "a b"},
			wantStderr: []string{`marker key "a b"`}},
	}
	for _, c := range errorCases {
		t.Run("error: "+c.name, func(t *testing.T) {
			fake := forgetest.NewGitHub(t, "acme/tenants", 42, ciGitHubToken)
			if c.failStatus != 0 {
				fake.Fail(&forgetest.Failure{Method: "POST", Status: c.failStatus, Message: "Resource not accessible by integration"})
			}
			dir := t.TempDir()
			env := []string{"GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/tenants", "GITHUB_TOKEN=" + ciGitHubToken,
				"GITHUB_API_URL=" + fake.URL, "GITHUB_REF=refs/pull/42/merge"}
			if c.env != nil {
				env = c.env(dir, fake.URL)
			}
			r := ciRunStrata(t, bin, env, c.stdin, append([]string{"ci", "comment"}, c.args...)...)
			assert.Equal(t, 1, r.code)
			for _, w := range c.wantStderr {
				assert.Contains(t, r.stderr, w)
			}
			assert.NotContains(t, r.stdout+r.stderr, ciGitHubToken)
			assert.Empty(t, fake.Comments(), "nothing posted")
		})
	}
}

// The CI examples, as much of them as strata's commands depend on.
type ciGHWorkflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Services map[string]struct {
			Image string `yaml:"image"`
		} `yaml:"services"`
		Env   map[string]string `yaml:"env"`
		Steps []ciGHStep        `yaml:"steps"`
	} `yaml:"jobs"`
}

type ciGHStep struct {
	Name            string            `yaml:"name"`
	ID              string            `yaml:"id"`
	Uses            string            `yaml:"uses"`
	With            map[string]any    `yaml:"with"`
	If              string            `yaml:"if"`
	Env             map[string]string `yaml:"env"`
	Run             string            `yaml:"run"`
	ContinueOnError string            `yaml:"continue-on-error"`
}

type ciGLJob struct {
	Image    string           `yaml:"image"`
	Rules    []map[string]any `yaml:"rules"`
	Services []struct {
		Name  string `yaml:"name"`
		Alias string `yaml:"alias"`
	} `yaml:"services"`
	Variables map[string]string `yaml:"variables"`
	Script    []string          `yaml:"script"`
}

func loadGitHubExample(t *testing.T) (ciGHWorkflow, string) {
	t.Helper()
	data, err := os.ReadFile("../../examples/ci/github-actions.yml")
	require.NoError(t, err)
	var wf ciGHWorkflow
	require.NoError(t, yaml.Unmarshal(data, &wf), "github-actions.yml is not valid YAML")
	require.Len(t, wf.Jobs, 1, "github-actions.yml: one job")
	for name := range wf.Jobs {
		return wf, name
	}
	return wf, ""
}

func loadGitLabExample(t *testing.T) ciGLJob {
	t.Helper()
	data, err := os.ReadFile("../../examples/ci/gitlab-ci.yml")
	require.NoError(t, err)
	var top map[string]yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &top), "gitlab-ci.yml is not valid YAML")
	node, ok := top["strata-plan"]
	require.True(t, ok, "gitlab-ci.yml: job strata-plan")
	var job ciGLJob
	require.NoError(t, node.Decode(&job))
	return job
}

// ciStrataCall finds a strata invocation in a shell line: at the start of a
// command, up to a redirect or shell operator.
var ciStrataCall = regexp.MustCompile(`(?:^|[;&|({]|\bthen)\s*strata\s+([^;&|>\n]*)`)

// ciBaseRef is how each CI names the base branch: origin/$GITHUB_BASE_REF, origin/${CI_...}.
var ciBaseRef = regexp.MustCompile(`^origin/\$\{?[A-Z_]+\}?$`)

// ciStrataCommands returns the strata commands in scripts, in order, with the
// CI-specific base branch variable written as origin/$BASE.
func ciStrataCommands(scripts []string) []string {
	var cmds []string
	for _, s := range scripts {
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range ciStrataCall.FindAllStringSubmatch(line, -1) {
				args := strings.Fields(strings.NewReplacer(`"`, "", `'`, "").Replace(m[1]))
				for i := range args {
					if i > 0 && args[i-1] == "--base" && ciBaseRef.MatchString(args[i]) {
						args[i] = "origin/$BASE"
					}
				}
				cmds = append(cmds, "strata "+strings.Join(args, " "))
			}
		}
	}
	return cmds
}

func TestCIExamplesRunTheSameCommands(t *testing.T) {
	want := []string{
		"strata validate --repo . --ref HEAD",
		"strata plan --repo . --base origin/$BASE --format markdown",
		"strata ci comment --file plan.md",
	}
	wf, jobName := loadGitHubExample(t)
	job := wf.Jobs[jobName]
	var ghScripts []string
	for _, s := range job.Steps {
		ghScripts = append(ghScripts, s.Run)
	}
	gl := loadGitLabExample(t)

	cases := []struct {
		name    string
		scripts []string
	}{
		{"github-actions.yml", ghScripts},
		{"gitlab-ci.yml", gl.Script},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, want, ciStrataCommands(c.scripts))
			all := strings.Join(c.scripts, "\n")
			assert.Contains(t, all, "--format markdown > plan.md", "plan's Markdown goes to the file ci comment posts")
			assert.Contains(t, all, "go install \"github.com/stratadb/strata/cmd/strata@", "installs strata as documented")
		})
	}

	// The parts each CI needs for those commands to work.
	assert.Contains(t, wf.On, "pull_request", "github: runs on pull requests")
	assert.Equal(t, "write", wf.Permissions["pull-requests"], "github: ci comment needs pull-requests: write")
	assert.Contains(t, job.Services["mariadb"].Image, "mariadb:", "github: MariaDB service as the dev server")
	assert.Contains(t, job.Env["STRATA_PRIMARY_DSN"], "@tcp(127.0.0.1:3306)/")
	require.NotEmpty(t, job.Steps)
	assert.Contains(t, job.Steps[0].Uses, "actions/checkout@")
	assert.EqualValues(t, 0, job.Steps[0].With["fetch-depth"], "github: full history for --base")

	require.NotEmpty(t, gl.Rules)
	assert.Equal(t, `$CI_PIPELINE_SOURCE == "merge_request_event"`, gl.Rules[0]["if"], "gitlab: runs on merge requests")
	require.Len(t, gl.Services, 1)
	assert.Contains(t, gl.Services[0].Name, "mariadb:", "gitlab: MariaDB service as the dev server")
	assert.Contains(t, gl.Variables["STRATA_PRIMARY_DSN"], "@tcp("+gl.Services[0].Alias+":3306)/")
	assert.Equal(t, "0", gl.Variables["GIT_DEPTH"], "gitlab: full history for --base")
}

func TestStrataCommandsParsesShell(t *testing.T) {
	cases := []struct {
		name, script string
		want         []string
	}{
		{"plain", "strata validate --repo .", []string{"strata validate --repo ."}},
		{"redirect and or", `strata plan --repo . --base "origin/${CI_X}" --format markdown > plan.md || plan=$?`,
			[]string{"strata plan --repo . --base origin/$BASE --format markdown"}},
		{"after then", "if [ -s plan.md ]; then strata ci comment --file plan.md; fi", []string{"strata ci comment --file plan.md"}},
		{"comment lines and other tools", "# strata plan in a comment\necho strata\ngo install x/strata@v1", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, ciStrataCommands([]string{c.script}))
		})
	}
}

// fakeValidatePlan is put first on PATH as "strata" when the CI examples run:
// validate and plan answer with the exit codes (and Markdown) a case asks
// for, every other verb is the real binary, so ci comment really posts.
const fakeValidatePlan = `#!/bin/sh
printf '%s\n' "$*" >> "$FAKE_CALLS"
case "$1" in
validate) exit "$FAKE_VALIDATE_EXIT" ;;
plan) if [ -n "$FAKE_PLAN_OUT" ]; then printf '%s\n' "$FAKE_PLAN_OUT"; fi; exit "$FAKE_PLAN_EXIT" ;;
esac
exec "$REAL_STRATA" "$@"
`

// runGitHubSteps runs the job's run: steps as GitHub Actions would: bash -eo
// pipefail, later steps skipped after a failure unless their if: has
// !cancelled(), continue-on-error honoured. It reports whether the job failed.
func runGitHubSteps(t *testing.T, steps []ciGHStep, jobEnv map[string]string, env []string, dir string) bool {
	t.Helper()
	failed := false
	for _, s := range steps {
		if s.Uses != "" || s.ID == "install" {
			continue // checkout, setup-go and go install: not what is tested here
		}
		switch {
		case s.If == "":
			if failed {
				continue
			}
		case strings.Contains(s.If, "!cancelled()"):
		default:
			t.Fatalf("step %q: condition %q not understood by this test", s.Name, s.If)
		}
		stepEnv := append([]string(nil), env...)
		for _, m := range []map[string]string{jobEnv, s.Env} {
			for k, v := range m {
				stepEnv = append(stepEnv, k+"="+strings.ReplaceAll(v, "${{ secrets.GITHUB_TOKEN }}", ciGitHubToken))
			}
		}
		script := ciWriteFile(t, t.TempDir(), "step.sh", s.Run)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir, cmd.Env = dir, stepEnv
		out, err := cmd.CombinedOutput()
		t.Logf("step %q: %v\n%s", s.Name, err, out)
		// The only continue-on-error expression is "is the PR from a fork": not here.
		if err != nil && s.ContinueOnError != "true" {
			failed = true
		}
	}
	return failed
}

// runGitLabScript runs the job's script entries as a GitLab runner would:
// one shell with errexit, stopping at the first failure.
func runGitLabScript(t *testing.T, job ciGLJob, env []string, dir string) bool {
	t.Helper()
	for k, v := range job.Variables {
		env = append(env, k+"="+v)
	}
	for _, line := range job.Script {
		if strings.HasPrefix(line, "go install") || strings.HasPrefix(line, "git fetch") {
			continue
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", line)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		t.Logf("script: %v\n%s", err, out)
		if err != nil {
			return true
		}
	}
	return false
}

func TestCIExamplesExitCodes(t *testing.T) {
	bin := buildCIBinary(t)
	wf, jobName := loadGitHubExample(t)
	gl := loadGitLabExample(t)

	cases := []struct {
		name           string
		validate, plan string
		planOut        string
		wantFail       bool
		wantPosted     bool
	}{
		{name: "nothing changes", validate: "0", plan: "0", planOut: "3 tenants: 3 in sync", wantPosted: true},
		{name: "changes are a plan, not a failure", validate: "0", plan: "2", planOut: "3 tenants: 1 to change (2 statements)", wantPosted: true},
		{name: "invalid config fails the check after posting the errors", validate: "1", plan: "1", planOut: "tenants/x/tenant.yaml:3: unknown template", wantFail: true, wantPosted: true},
		{name: "plan error without Markdown fails and posts nothing", validate: "0", plan: "1", wantFail: true},
	}
	for _, c := range cases {
		for _, ci := range []string{"github", "gitlab"} {
			t.Run(ci+": "+c.name, func(t *testing.T) {
				dir := t.TempDir()
				binDir := filepath.Join(dir, "bin")
				require.NoError(t, os.Mkdir(binDir, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(binDir, "strata"), []byte(fakeValidatePlan), 0o755))
				work := filepath.Join(dir, "repo")
				require.NoError(t, os.Mkdir(work, 0o755))
				calls := filepath.Join(dir, "calls")
				env := []string{
					"PATH=" + binDir + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "REAL_STRATA=" + bin, "FAKE_CALLS=" + calls,
					"FAKE_VALIDATE_EXIT=" + c.validate, "FAKE_PLAN_EXIT=" + c.plan, "FAKE_PLAN_OUT=" + c.planOut,
				}
				var failed bool
				var posted func() []forgetest.Comment
				if ci == "github" {
					fake := forgetest.NewGitHub(t, "acme/tenants", 42, ciGitHubToken)
					posted = fake.Comments
					env = append(env, "GITHUB_ACTIONS=true", "GITHUB_REPOSITORY=acme/tenants", "GITHUB_API_URL="+fake.URL,
						"GITHUB_BASE_REF=main", "GITHUB_REF=refs/pull/42/merge",
						"GITHUB_EVENT_PATH="+ciWriteFile(t, dir, "event.json", `{"pull_request":{"number":42}}`),
						"GITHUB_OUTPUT="+filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(dir, "summary"))
					failed = runGitHubSteps(t, wf.Jobs[jobName].Steps, wf.Jobs[jobName].Env, env, work)
				} else {
					fake := forgetest.NewGitLab(t, "4711", 9, ciGitLabToken, false)
					posted = fake.Comments
					env = append(env, "GITLAB_CI=true", "CI_API_V4_URL="+fake.URL, "CI_PROJECT_ID=4711", "CI_MERGE_REQUEST_IID=9",
						"GITLAB_TOKEN="+ciGitLabToken, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main")
					failed = runGitLabScript(t, gl, env, work)
				}

				assert.Equal(t, c.wantFail, failed, "job failed")
				log, err := os.ReadFile(calls)
				require.NoError(t, err)
				wantCalls := "validate --repo . --ref HEAD\nplan --repo . --base origin/main --format markdown\n"
				if c.wantPosted {
					wantCalls += "ci comment --file plan.md\n"
				}
				assert.Equal(t, wantCalls, string(log))
				if !c.wantPosted {
					assert.Empty(t, posted())
					return
				}
				require.Len(t, posted(), 1)
				assert.Equal(t, "<!-- strata:plan -->\n"+c.planOut+"\n", posted()[0].Body)
			})
		}
	}
}
