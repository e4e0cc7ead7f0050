package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/stratadb/strata/cmd/internal/forge"
)

// newCICmd groups the verbs CI pipelines call around `strata plan`.
func newCICmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ci",
		Short: "Steps for CI pipelines (post the plan on the pull request)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCICommentCmd())
	return cmd
}

type ciCommentFlags struct {
	file, provider, repoSlug, marker, apiURL string
	pr                                       int
	timeout                                  time.Duration
}

func newCICommentCmd() *cobra.Command {
	var fl ciCommentFlags
	cmd := &cobra.Command{
		Use:   "comment [--file plan.md]",
		Short: "Post the plan Markdown on the pull request, or update strata's earlier comment",
		Long: `Posts the Markdown of ` + "`strata plan --format markdown`" + ` as one comment on the
pull request (GitHub) or merge request (GitLab), and on later runs updates that
same comment, found by a hidden marker on its first line.

Everything comes from the CI environment; flags override it:
  GitHub Actions: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, and the PR
                  number from GITHUB_EVENT_PATH or GITHUB_REF (refs/pull/N/merge).
                  The job needs ` + "`permissions: pull-requests: write`" + `.
  GitLab CI:      CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, and
                  GITLAB_TOKEN (an access token with the api scope) or CI_JOB_TOKEN.

Exit status: 0 posted, updated or already current; 1 error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCIComment(cmd, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.file, "file", "", "Markdown file to post (default or \"-\": standard input)")
	f.StringVar(&fl.provider, "provider", "", "github or gitlab (default: detected from the CI environment)")
	f.StringVar(&fl.repoSlug, "repo-slug", "", "GitHub owner/name or GitLab project ID or path (default: from the CI environment)")
	f.IntVar(&fl.pr, "pr", 0, "pull request number or merge request IID (default: from the CI environment)")
	f.StringVar(&fl.marker, "marker", "", "key that keeps a separate comment per config in one repository, e.g. the config's directory")
	f.StringVar(&fl.apiURL, "api-url", "", "API base URL (default: GITHUB_API_URL or CI_API_V4_URL, else the public host)")
	f.DurationVar(&fl.timeout, "timeout", forge.DefaultTimeout, "time limit of each API call")
	return cmd
}

func runCIComment(cmd *cobra.Command, fl ciCommentFlags) error {
	provider, err := forge.ParseProvider(fl.provider)
	if err != nil {
		return err
	}
	if fl.pr < 0 {
		return fmt.Errorf("ci comment: --pr %d: pass the pull request number", fl.pr)
	}
	marker, err := forge.Marker(fl.marker)
	if err != nil {
		return err
	}
	body, err := readPlanMarkdown(fl.file, cmd.InOrStdin())
	if err != nil {
		return err
	}
	target, err := forge.Detect(os.Getenv, forge.Target{Provider: provider, APIURL: fl.apiURL, Repo: fl.repoSlug, Number: fl.pr})
	if err != nil {
		return err
	}
	f, err := forge.Open(target, nil, fl.timeout)
	if err != nil {
		return err
	}
	res, err := forge.Upsert(cmd.Context(), f, marker, body)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s comment %d on %s", res.Action, res.ID, f)
	if res.URL != "" {
		msg += ": " + res.URL
	}
	fmt.Fprintln(cmd.OutOrStdout(), msg)
	return nil
}

// readPlanMarkdown reads the plan from file, or from stdin for "" and "-".
func readPlanMarkdown(file string, stdin io.Reader) (string, error) {
	if file != "" && file != "-" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("ci comment: read %s: %w: write it first with `strata plan --format markdown > %s`", file, err, file)
		}
		return string(b), nil
	}
	// A terminal on stdin means nobody piped a plan: say so instead of waiting.
	if st, ok := stdin.(*os.File); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "", errors.New("ci comment: no plan: pass --file plan.md or pipe `strata plan --format markdown` into it")
		}
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("ci comment: read standard input: %w", err)
	}
	return string(b), nil
}
