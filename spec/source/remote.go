package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// ErrBranchNotFound is returned by Sync when the remote has no such branch.
var ErrBranchNotFound = errors.New("branch not found")

// remoteName is the name of the remote in the cache repository.
const remoteName = "origin"

// RemoteOptions configure NewRemote.
type RemoteOptions struct {
	// URL of the config repo: https://host/org/repo.git, ssh://git@host/org/repo.git,
	// git@host:org/repo.git, file:///path or a local path. User info in an
	// https URL is used as credentials and never stored or printed.
	URL string
	// Branch to follow; default "main".
	Branch string
	// CacheDir holds a bare clone of the branch. It is created if missing and
	// kept between runs, so a restart fetches only what is new. One process
	// per CacheDir.
	CacheDir string
	// Credentials for http(s) and ssh URLs.
	Credentials Credentials
	// Logger receives debug and info records; nil discards them.
	Logger *slog.Logger
}

// Remote follows one branch of a remote config repo through a local cache.
// It is safe for concurrent use; Syncs run one at a time, and reads of its
// snapshots wait while a Sync fetches.
type Remote struct {
	mu      sync.Mutex          // guards repo, shared with every snapshot's reads
	ep      *transport.Endpoint // without user info
	urlAuth *githttp.BasicAuth  // user info the URL carried, if any
	branch  string
	dir     string
	creds   Credentials
	log     *slog.Logger
	repo    *git.Repository // opened by the first Sync
}

// NewRemote checks opts and returns a Remote; it does not touch the network
// or the cache directory until Sync.
func NewRemote(opts RemoteOptions) (*Remote, error) {
	installFileTransport()
	if opts.URL == "" {
		return nil, errors.New("source: no config repo URL; pass --repo with a Git URL or a local path")
	}
	if opts.CacheDir == "" {
		return nil, errors.New("source: no cache directory for the clone of the config repo; pass --cache-dir")
	}
	ep, err := transport.NewEndpoint(opts.URL)
	if err != nil {
		// The parse error quotes the URL, which may hold a token: leave it out.
		return nil, fmt.Errorf("source: invalid repo URL %s: use https://host/org/repo.git, ssh://git@host/org/repo.git, git@host:org/repo.git or a local path", redactURL(opts.URL))
	}
	r := &Remote{branch: opts.Branch, dir: opts.CacheDir, creds: opts.Credentials, log: opts.Logger}
	if r.branch == "" {
		r.branch = "main"
	}
	if plumbing.NewBranchReferenceName(r.branch).Validate() != nil {
		return nil, fmt.Errorf("source: invalid branch name %q; pass --branch with a branch of the config repo", r.branch)
	}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch ep.Protocol {
	case "http", "https":
		if ep.User != "" || ep.Password != "" {
			r.urlAuth = &githttp.BasicAuth{Username: ep.User, Password: ep.Password}
			ep.User, ep.Password = "", ""
		}
	case "ssh":
		if ep.Password != "" {
			return nil, fmt.Errorf("source: repo URL %s holds an ssh password; use a key (%s) instead", redactURL(opts.URL), EnvGitSSHKey)
		}
	case "file":
		// The in-process server resolves paths against "/", so make them absolute.
		abs, err := filepath.Abs(ep.Path)
		if err != nil {
			return nil, fmt.Errorf("source: repo path %s: %w", ep.Path, err)
		}
		ep.Path = abs
	}
	r.ep = ep
	return r, nil
}

// String names the remote and branch, without credentials.
func (r *Remote) String() string { return redactURL(r.ep.String()) + "@" + r.branch }

// Sync fetches the branch (the first Sync clones it) and returns the
// Snapshot of its tip. A fetch that finds nothing new costs one round trip
// to list the remote's refs.
func (r *Remote) Sync(ctx context.Context) (Snapshot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.open(); err != nil {
		return Snapshot{}, err
	}
	auth, err := r.creds.authFor(r.ep, r.urlAuth)
	if err != nil {
		return Snapshot{}, err
	}
	err = r.fetch(ctx, auth)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// The branch's history was replaced (an unrelated force push, or the
		// repo recreated at the same URL): the commits the cache offers as
		// "haves" mean nothing to the remote. Forget them and fetch afresh.
		r.log.WarnContext(ctx, "config repo history was replaced; fetching it afresh", "repo", r.String(), "err", err)
		if err := dropTrackingRefs(r.repo); err != nil {
			return Snapshot{}, fmt.Errorf("source: reset cache %s: %w; remove it to clone again", r.dir, err)
		}
		err = r.fetch(ctx, auth)
	}
	switch {
	case errors.Is(err, git.NoErrAlreadyUpToDate):
		r.log.DebugContext(ctx, "config repo up to date", "repo", r.String())
	case err != nil:
		return Snapshot{}, r.fetchError(err)
	}
	ref, err := r.repo.Reference(r.trackingRef(), true)
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: %s: fetched, but %s is missing from the cache %s: %w; remove the cache directory to clone again", r, r.trackingRef(), r.dir, err)
	}
	c, err := r.repo.CommitObject(ref.Hash())
	if err != nil {
		return Snapshot{}, fmt.Errorf("source: %s: read commit %s: %w; remove the cache directory %s to clone again", r, ref.Hash(), err, r.dir)
	}
	snap, err := commitSnapshot(c, &r.mu)
	if err != nil {
		return Snapshot{}, err
	}
	r.log.DebugContext(ctx, "config repo synced", "repo", r.String(), "commit", snap.Commit)
	return snap, nil
}

// fetch fetches the branch into its tracking ref.
func (r *Remote) fetch(ctx context.Context, auth transport.AuthMethod) error {
	return r.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{r.refSpec()},
		Auth:       auth,
		Tags:       git.NoTags,
	})
}

// open opens the cache repository, creating it on first use, and points its
// remote at the configured URL and branch.
func (r *Remote) open() error {
	if r.repo != nil {
		return nil
	}
	repo, err := git.PlainOpen(r.dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = r.initCache()
	}
	if err != nil {
		return fmt.Errorf("source: open cache %s: %w; remove it to clone again", r.dir, err)
	}
	want := &config.RemoteConfig{Name: remoteName, URLs: []string{r.ep.String()}, Fetch: []config.RefSpec{r.refSpec()}}
	rem, err := repo.Remote(remoteName)
	switch {
	case err == nil && sameRemote(rem.Config(), want):
	case err == nil || errors.Is(err, git.ErrRemoteNotFound):
		if err == nil {
			// --repo or --branch changed since the cache was made.
			r.log.Info("config repo cache points elsewhere; repointing it", "cache", r.dir, "repo", r.String())
			if err := repointCache(repo); err != nil {
				return fmt.Errorf("source: repoint cache %s: %w", r.dir, err)
			}
		}
		if _, err := repo.CreateRemote(want); err != nil {
			return fmt.Errorf("source: configure cache %s: %w", r.dir, err)
		}
	default:
		return fmt.Errorf("source: read cache %s: %w; remove it to clone again", r.dir, err)
	}
	r.repo = repo
	return nil
}

// repointCache removes the remote and its tracking refs (dropTrackingRefs).
func repointCache(repo *git.Repository) error {
	if err := dropTrackingRefs(repo); err != nil {
		return err
	}
	return repo.DeleteRemote(remoteName)
}

// dropTrackingRefs removes the remote's tracking refs. Fetch offers every
// local ref to the server as a commit it already has; go-git's in-process
// server fails on commits it does not know, as a different repository's (or
// a replaced history's) are. The objects stay until a gc; only the refs go.
func dropTrackingRefs(repo *git.Repository) error {
	refs, err := repo.References()
	if err != nil {
		return err
	}
	var stale []plumbing.ReferenceName
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		if ref.Name().IsRemote() && strings.HasPrefix(ref.Name().String(), "refs/remotes/"+remoteName+"/") {
			stale = append(stale, ref.Name())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := repo.Storer.RemoveReference(name); err != nil {
			return err
		}
	}
	return nil
}

// initCache makes an empty bare repository in r.dir, refusing to write into
// a directory that holds anything else.
func (r *Remote) initCache() (*git.Repository, error) {
	entries, err := os.ReadDir(r.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("%s is neither empty nor a Git repository; choose an empty or new directory for the cache", r.dir)
	}
	return git.PlainInit(r.dir, true)
}

// refSpec maps the branch to its remote-tracking ref; "+" because a force
// push on the remote must still be followed.
func (r *Remote) refSpec() config.RefSpec {
	return config.RefSpec("+" + plumbing.NewBranchReferenceName(r.branch).String() + ":" + r.trackingRef().String())
}

// trackingRef is where the cache keeps the branch tip.
func (r *Remote) trackingRef() plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName(remoteName, r.branch)
}

// fetchError turns a fetch failure into an error that says what to do.
func (r *Remote) fetchError(err error) error {
	switch {
	case errors.Is(err, git.NoMatchingRefSpecError{}):
		return fmt.Errorf("source: %s: %w on the remote; pass --branch with a branch that exists", r, ErrBranchNotFound)
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("source: fetch %s: %w; check --repo (a private repository also looks missing without credentials)", r, err)
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("source: fetch %s: %w; push the config repo's %s branch first", r, err, r.branch)
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("source: fetch %s: %w; set %s or %s (https) or %s (ssh) to credentials that can read the repo",
			r, err, EnvGitToken, EnvGitTokenFile, EnvGitSSHKey)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("source: fetch %s: %w", r, err)
	default:
		return fmt.Errorf("source: fetch %s: %w; check that the host is reachable and the URL is right", r, err)
	}
}

// sameRemote reports whether a and b fetch the same URL with the same refspecs.
func sameRemote(a, b *config.RemoteConfig) bool {
	if len(a.URLs) != 1 || a.URLs[0] != b.URLs[0] || len(a.Fetch) != len(b.Fetch) {
		return false
	}
	for i := range a.Fetch {
		if a.Fetch[i] != b.Fetch[i] {
			return false
		}
	}
	return true
}
