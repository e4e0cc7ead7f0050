package source

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newBare makes an empty bare repository, the "remote" of the remote tests.
func newBare(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config.git")
	_, err := git.PlainInit(dir, true)
	require.NoError(t, err)
	return dir
}

// push force-pushes the fixture's main to the bare repository at url.
func (f *fixture) push(url string) {
	f.t.Helper()
	installFileTransport() // pushing to a path needs it as much as fetching
	if _, err := f.repo.Remote("origin"); errors.Is(err, git.ErrRemoteNotFound) {
		_, err := f.repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
		require.NoError(f.t, err)
	}
	err := f.repo.Push(&git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{"+refs/heads/main:refs/heads/main"}})
	if !errors.Is(err, git.NoErrAlreadyUpToDate) {
		require.NoError(f.t, err)
	}
}

// syncOnce makes a Remote and syncs it once.
func syncOnce(t *testing.T, opts RemoteOptions) (Snapshot, error) {
	t.Helper()
	r, err := NewRemote(opts)
	require.NoError(t, err)
	return r.Sync(context.Background())
}

// TestRemoteFollowsBranchWithoutGit clones and fetches a local bare repository
// with PATH empty, so the git binary cannot be what serves it.
func TestRemoteFollowsBranchWithoutGit(t *testing.T) {
	t.Setenv("PATH", "")
	bare := newBare(t)
	// Control: go-git's stock file transport needs git, and fails here.
	ep, err := transport.NewEndpoint(bare)
	require.NoError(t, err)
	_, err = file.DefaultClient.NewUploadPackSession(ep, nil)
	require.Error(t, err, "the stock file transport should need the git binary")

	f := newFixture(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n", "basic/001.sql": "CREATE TABLE a (id INT);\n"})
	c1 := f.commit("Initial config")
	f.push(bare)

	t.Run("url forms", func(t *testing.T) {
		rel, err := filepath.Rel(filepath.Dir(filepath.Dir(bare)), bare)
		require.NoError(t, err)
		t.Chdir(filepath.Dir(filepath.Dir(bare)))
		for _, url := range []string{bare, "file://" + bare, rel} {
			snap, err := syncOnce(t, RemoteOptions{URL: url, CacheDir: filepath.Join(t.TempDir(), "cache")})
			require.NoError(t, err, url)
			assert.Equal(t, c1.String(), snap.Commit, url)
			got, err := fs.ReadFile(snap.FS, "basic/001.sql")
			require.NoError(t, err)
			assert.Equal(t, "CREATE TABLE a (id INT);\n", string(got))
		}
	})

	cache := filepath.Join(t.TempDir(), "cache")
	r, err := NewRemote(RemoteOptions{URL: bare, Branch: "main", CacheDir: cache})
	require.NoError(t, err)
	ctx := context.Background()
	snap, err := r.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c1.String(), snap.Commit)
	assert.Equal(t, 0, snap.PR)

	// A merged PR arrives.
	f.write(map[string]string{"basic/001.sql": "CREATE TABLE a (id BIGINT);\n", "tenants/acme/tenant.yaml": "template: party\n"})
	c2 := f.commit("Widen a.id (#7)")
	f.push(bare)
	snap, err = r.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c2.String(), snap.Commit)
	assert.Equal(t, 7, snap.PR)
	got, err := fs.ReadFile(snap.FS, "basic/001.sql")
	require.NoError(t, err)
	assert.Equal(t, "CREATE TABLE a (id BIGINT);\n", string(got))

	// Nothing new: same commit, no error.
	snap, err = r.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c2.String(), snap.Commit)

	// A restart reuses the cache.
	r2, err := NewRemote(RemoteOptions{URL: bare, CacheDir: cache})
	require.NoError(t, err)
	snap, err = r2.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c2.String(), snap.Commit)

	// A force push that drops c2 is followed.
	f.write(map[string]string{"basic/001.sql": "CREATE TABLE a (id INT, b INT);\n", "tenants/acme/tenant.yaml": ""})
	c3 := f.commit("Rewrite history", c1)
	f.push(bare)
	snap, err = r2.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c3.String(), snap.Commit)
	_, err = fs.Stat(snap.FS, "tenants/acme/tenant.yaml")
	assert.ErrorIs(t, err, fs.ErrNotExist)

	// The cache follows a change of --repo.
	other := newBare(t)
	g := newFixture(t)
	g.write(map[string]string{"strata.yaml": "kind: Config\n"})
	c4 := g.commit("Another config repo")
	g.push(other)
	snap, err = syncOnce(t, RemoteOptions{URL: other, CacheDir: cache})
	require.NoError(t, err)
	assert.Equal(t, c4.String(), snap.Commit)
}

func TestRemoteErrors(t *testing.T) {
	bare := newBare(t)
	f := newFixture(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n"})
	f.commit("Initial config")
	f.push(bare)

	notEmpty := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(notEmpty, "notes.txt"), []byte("mine"), 0o644))

	tests := []struct {
		name   string
		opts   RemoteOptions
		is     error
		want   []string
		secret string // must not appear
	}{
		{name: "unknown branch", opts: RemoteOptions{URL: bare, Branch: "release"},
			is: ErrBranchNotFound, want: []string{"release", "--branch"}},
		{name: "missing path", opts: RemoteOptions{URL: filepath.Join(t.TempDir(), "nope.git")},
			is: transport.ErrRepositoryNotFound, want: []string{"nope.git", "check --repo"}},
		{name: "empty remote", opts: RemoteOptions{URL: newBare(t)},
			is: transport.ErrEmptyRemoteRepository, want: []string{"push the config repo's main branch"}},
		{name: "unreachable host", opts: RemoteOptions{URL: "https://bot:s3cret@127.0.0.1:1/org/config.git"},
			want: []string{"https://127.0.0.1:1/org/config.git", "reachable"}, secret: "s3cret"},
		{name: "cache dir in use", opts: RemoteOptions{URL: bare, CacheDir: notEmpty},
			want: []string{notEmpty, "neither empty nor a Git repository"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.CacheDir == "" {
				tt.opts.CacheDir = filepath.Join(t.TempDir(), "cache")
			}
			_, err := syncOnce(t, tt.opts)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "source: "), err.Error())
			if tt.secret != "" {
				assert.NotContains(t, err.Error(), tt.secret)
			}
		})
	}
}

func TestNewRemoteRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts RemoteOptions
		want string
	}{
		{"no url", RemoteOptions{CacheDir: "c"}, "pass --repo"},
		{"no cache dir", RemoteOptions{URL: "/srv/config.git"}, "pass --cache-dir"},
		{"bad branch", RemoteOptions{URL: "/srv/config.git", CacheDir: "c", Branch: "a..b"}, `invalid branch name "a..b"`},
		{"bad url", RemoteOptions{URL: "https://bot:s3cret@[::1/config.git", CacheDir: "c"}, "invalid repo URL https://***@[::1/config.git"},
		{"ssh password", RemoteOptions{URL: "ssh://git:s3cret@example.com/config.git", CacheDir: "c"}, "use a key (STRATA_GIT_SSH_KEY)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRemote(tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

// TestRemoteHTTPCredentials fetches over smart HTTP from a server that checks
// basic auth, with each way of giving the token.
func TestRemoteHTTPCredentials(t *testing.T) {
	bare := newBare(t)
	f := newFixture(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n"})
	c1 := f.commit("Initial config")
	f.push(bare)
	const token = "ghs_s3cretT0ken"
	srv := newGitHTTPServer(t, bare, "x-access-token", token)
	url := srv.URL + "/org/config.git"
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))

	tests := []struct {
		name  string
		url   string
		creds Credentials
		want  string // error text; "" for success
	}{
		{"token", url, Credentials{Token: token}, ""},
		{"token file", url, Credentials{TokenFile: tokenFile}, ""},
		{"token in url", strings.Replace(url, "://", "://x-access-token:"+token+"@", 1), Credentials{}, ""},
		{"no credentials", url, Credentials{}, "set STRATA_GIT_TOKEN or STRATA_GIT_TOKEN_FILE"},
		{"wrong token", url, Credentials{Token: "wrong-" + token}, "authentication required"},
		{"wrong user", url, Credentials{Token: token, Username: "someone"}, "authentication required"},
		{"token and file", url, Credentials{Token: token, TokenFile: tokenFile}, "set only one"},
		{"missing token file", url, Credentials{TokenFile: tokenFile + ".missing"}, "STRATA_GIT_TOKEN_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			r, err := NewRemote(RemoteOptions{URL: tt.url, CacheDir: cache, Credentials: tt.creds})
			require.NoError(t, err)
			assert.NotContains(t, r.String(), token)
			snap, err := r.Sync(context.Background())
			if tt.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.want)
				assert.NotContains(t, err.Error(), token)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c1.String(), snap.Commit)
			cfg, err := os.ReadFile(filepath.Join(cache, "config"))
			require.NoError(t, err)
			assert.NotContains(t, string(cfg), token, "the token is never stored in the cache")
		})
	}

	t.Run("token file is re-read and fetch is cheap", func(t *testing.T) {
		r, err := NewRemote(RemoteOptions{URL: url, CacheDir: filepath.Join(t.TempDir(), "cache"), Credentials: Credentials{TokenFile: tokenFile}})
		require.NoError(t, err)
		_, err = r.Sync(context.Background())
		require.NoError(t, err)
		uploads := srv.uploads.Load()
		_, err = r.Sync(context.Background())
		require.NoError(t, err)
		assert.Equal(t, uploads, srv.uploads.Load(), "nothing new: no pack requested")

		f.write(map[string]string{"basic/001.sql": "CREATE TABLE a (id INT);\n"})
		c2 := f.commit("Add a (#3)")
		f.push(bare)
		snap, err := r.Sync(context.Background())
		require.NoError(t, err)
		assert.Equal(t, c2.String(), snap.Commit)
		assert.Equal(t, uploads+1, srv.uploads.Load())

		// A rotated secret is picked up without a restart.
		require.NoError(t, os.WriteFile(tokenFile, []byte("revoked\n"), 0o600))
		_, err = r.Sync(context.Background())
		require.ErrorIs(t, err, transport.ErrAuthenticationRequired)
	})
}

func TestRemoteSyncHonoursContext(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	r, err := NewRemote(RemoteOptions{URL: hang.URL + "/config.git", CacheDir: filepath.Join(t.TempDir(), "cache")})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.Sync(ctx)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestRemoteFollowsRecreatedRepo replaces the remote under a Remote that
// has synced it: the repository deleted and made again at the same path with
// unrelated history, and then a force push of unrelated history. The cache
// holds commits the new remote never had; each Sync must still reach the tip.
func TestRemoteFollowsRecreatedRepo(t *testing.T) {
	bare := newBare(t)
	f := newFixture(t)
	f.write(map[string]string{"strata.yaml": "kind: Config\n", "basic/001.sql": "CREATE TABLE a (id INT);\n"})
	f.commit("Old history 1")
	f.write(map[string]string{"basic/002.sql": "CREATE TABLE b (id INT);\n"})
	f.commit("Old history 2")
	f.push(bare)
	r, err := NewRemote(RemoteOptions{URL: bare, CacheDir: filepath.Join(t.TempDir(), "cache")})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Sync(ctx)
	require.NoError(t, err)

	// The repo is recreated at the same URL.
	require.NoError(t, os.RemoveAll(bare))
	_, err = git.PlainInit(bare, true)
	require.NoError(t, err)
	g := newFixture(t)
	g.write(map[string]string{"strata.yaml": "kind: Config\n", "basic/001.sql": "CREATE TABLE c (id INT);\n"})
	c1 := g.commit("New history")
	g.push(bare)
	for range 2 { // the first Sync recovers; the next finds the cache sound
		snap, err := r.Sync(ctx)
		require.NoError(t, err)
		assert.Equal(t, c1.String(), snap.Commit)
		got, err := fs.ReadFile(snap.FS, "basic/001.sql")
		require.NoError(t, err)
		assert.Equal(t, "CREATE TABLE c (id INT);\n", string(got))
	}

	// A force push of unrelated history onto the same repository.
	h := newFixture(t)
	h.write(map[string]string{"strata.yaml": "kind: Config\n", "basic/001.sql": "CREATE TABLE d (id INT);\n"})
	c2 := h.commit("Unrelated history")
	h.push(bare)
	snap, err := r.Sync(ctx)
	require.NoError(t, err)
	assert.Equal(t, c2.String(), snap.Commit)
}
