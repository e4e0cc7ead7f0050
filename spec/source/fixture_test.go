package source

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// fixture is a real Git repository with a worktree, made with go-git.
type fixture struct {
	t    *testing.T
	dir  string
	repo *git.Repository
	wt   *git.Worktree
	when time.Time // committer time of the next commit
}

// newFixture initialises a repository whose default branch is main.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.Main},
	})
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, dir: dir, repo: repo, wt: wt, when: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

// write writes files (path -> contents) into the worktree; "" deletes a file.
func (f *fixture) write(files map[string]string) {
	f.t.Helper()
	for name, body := range files {
		path := filepath.Join(f.dir, filepath.FromSlash(name))
		if body == "" {
			if err := os.Remove(path); err != nil {
				f.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// commit stages everything and commits it; parents default to HEAD.
func (f *fixture) commit(msg string, parents ...plumbing.Hash) plumbing.Hash {
	f.t.Helper()
	if err := f.wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		f.t.Fatal(err)
	}
	f.when = f.when.Add(time.Minute)
	sig := &object.Signature{Name: "Test", Email: "test@example.com", When: f.when}
	h, err := f.wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, Parents: parents, AllowEmptyCommits: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// checkout switches to branch, creating it at HEAD when create is set.
func (f *fixture) checkout(branch string, create bool) {
	f.t.Helper()
	err := f.wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch), Create: create})
	if err != nil {
		f.t.Fatal(err)
	}
}

// history is the commits of a fixture repo with a base, a PR branch, tags and a merge.
type history struct {
	base, second, pr, merge plumbing.Hash
}

// newHistory builds main: base -> second -> merge (of pr-1's one commit),
// a lightweight tag v1 on base and an annotated tag v2 on second.
func newHistory(t *testing.T) (*fixture, history) {
	t.Helper()
	f := newFixture(t)
	var h history
	f.write(map[string]string{
		"strata.yaml":              "kind: Config\n",
		"basic/001_users.sql":      "CREATE TABLE users (id INT PRIMARY KEY);\n",
		"tenants/acme/tenant.yaml": "template: party\n",
	})
	h.base = f.commit("Initial config")
	if _, err := f.repo.CreateTag("v1", h.base, nil); err != nil {
		t.Fatal(err)
	}
	f.write(map[string]string{"basic/002_posts.sql": "CREATE TABLE posts (id INT PRIMARY KEY);\n"})
	h.second = f.commit("Add posts (#41)")
	sig := &object.Signature{Name: "Test", Email: "test@example.com", When: f.when}
	if _, err := f.repo.CreateTag("v2", h.second, &git.CreateTagOptions{Tagger: sig, Message: "release 2"}); err != nil {
		t.Fatal(err)
	}
	f.checkout("pr-1", true)
	f.write(map[string]string{"tenants/beta/tenant.yaml": "template: ngo\n"})
	h.pr = f.commit("Add tenant beta")
	f.checkout("main", false)
	f.write(map[string]string{"tenants/beta/tenant.yaml": "template: ngo\n"})
	h.merge = f.commit("Merge pull request #42 from org/pr-1\n\nAdd tenant beta\n", h.second, h.pr)
	return f, h
}
