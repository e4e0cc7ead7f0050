package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/daemon/console"
	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/notify"
	"github.com/stratadb/strata/spec/source"
)

// envAPIToken is the bearer token the status API requires, when set.
const envAPIToken = "STRATA_API_TOKEN"

// notifyFlushTimeout bounds how long strata waits on exit for receivers to
// take the last notifications.
const notifyFlushTimeout = 15 * time.Second

// runFlags are strata run's flags.
type runFlags struct {
	repo, branch, cacheDir   string
	poll, driftEvery, drain  time.Duration
	backoff, notifyBatch     time.Duration
	watch, allWaves          bool
	listen, shard, logFormat string
	logLevel                 string
	tokenFile                string
	keys                     fleetFlags // --secret-key-file and --concurrency
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: follow the config repo and keep every tenant converged",
		Long: `strata run follows a branch of the config repo (a Git URL or a local repository,
fetched every --poll into --cache-dir; or, with --watch, a plain directory re-read on
every change) and keeps each tenant of its --shard converged to the newest valid commit,
wave by wave (rollout: in strata.yaml; --all-waves ignores the gating).
An invalid commit is reported and never applied. Every --drift-interval it sweeps for
drift. HTTP on --listen serves the web console at /, /healthz, /readyz, /metrics and
/api/v1/tenants[/NAME]; set ` + envAPIToken + ` (or --token-file) to require a bearer token
on /api/v1 and a login on the console.

Git credentials come from STRATA_GIT_TOKEN / STRATA_GIT_TOKEN_FILE (https) or
STRATA_GIT_SSH_KEY (ssh); the secret key from --secret-key-file or STRATA_SECRET_KEY.
SIGTERM stops taking work, lets running applies finish (at most --drain) and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDaemon(withContext(cmd), cmd.ErrOrStderr(), &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.repo, "repo", "", "config repo: a Git URL (https, ssh), a local Git repository, or with --watch a directory")
	fl.StringVar(&f.branch, "branch", "main", "branch to apply (only this branch is ever applied)")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where the clone of the config repo is kept (default: the user cache directory)")
	fl.DurationVar(&f.poll, "poll", daemon.DefaultPoll, "interval between fetches of the config repo (with jitter)")
	fl.DurationVar(&f.driftEvery, "drift-interval", daemon.DefaultDriftInterval, "interval between drift sweeps")
	fl.DurationVar(&f.drain, "drain", daemon.DefaultDrain, "on SIGTERM, how long running applies may take to finish")
	fl.DurationVar(&f.backoff, "retry-backoff", daemon.DefaultBackoff, "first retry delay of a transient failure (doubles per failure, up to 5m)")
	fl.BoolVar(&f.allWaves, "all-waves", false, "apply every wave of a commit at once, ignoring rollout gating (an emergency; recorded as such)")
	fl.DurationVar(&f.notifyBatch, "notify-batch", notify.DefaultWindow, "how long events are collected into one message per notify: receiver")
	fl.BoolVar(&f.watch, "watch", false, "--repo is a plain directory: re-read it on every change (development)")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:9090", "address of the health, metrics and status API server (empty: none)")
	fl.StringVar(&f.shard, "shard", "", "i/n: apply only the tenants whose name hashes to i of n replicas")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the API token (default: $"+envAPIToken+"); required by /api/v1 and the console")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fl.IntVar(&f.keys.concurrency, "concurrency", reconciler.DefaultConcurrency, "tenants applied at once")
	fl.StringVar(&f.keys.secretKeyFile, "secret-key-file", "", "file holding the key that encrypts tenant credentials (default: $STRATA_SECRET_KEY)")
	return cmd
}

// runDaemon wires the source, daemon and HTTP server, and runs until ctx ends.
func runDaemon(ctx context.Context, stderr io.Writer, f *runFlags) error {
	log, err := newLogger(stderr, f.logFormat, f.logLevel)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	shard, err := daemon.ParseShard(f.shard)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	key, err := f.keys.secretKey()
	if err != nil {
		return err
	}
	if key == nil {
		log.Warn("no secret key (STRATA_SECRET_KEY or --secret-key-file): new tenants cannot be provisioned")
	}
	src, changes, err := f.source(ctx, log)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	notifier := notify.New(notify.Options{Window: f.notifyBatch, Metrics: notify.NewMetrics(reg), Logger: log})
	defer func() {
		// What the last moments found is still told, briefly.
		cctx, cancel := context.WithTimeout(context.Background(), notifyFlushTimeout)
		notifier.Close(cctx)
		cancel()
	}()
	d, err := daemon.New(daemon.Options{
		Source: src, Changes: changes, Poll: f.poll, DriftInterval: f.driftEvery, Sweep: driftSweep,
		Shard: shard, Concurrency: f.keys.concurrency, SecretKey: key, Drain: f.drain, Backoff: f.backoff,
		Metrics: daemon.NewMetrics(reg), Logger: log, Notify: notifier, AllWaves: f.allWaves,
	})
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	var srv *http.Server
	if f.listen != "" {
		ln, err := net.Listen("tcp", f.listen)
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("listen on %s: %w; pass another --listen address", f.listen, err)}
		}
		token, err := f.token()
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		srv = &http.Server{
			Handler: httpapi.New(d, httpapi.Options{Token: token, Gatherer: reg, Logger: log,
				Console: console.New(d, console.Options{Token: token, Logger: log})}),
			ReadHeaderTimeout: 10 * time.Second,
		}
		log.Info("listening", "addr", ln.Addr().String(), "api_token", token != "")
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server", "err", err)
			}
		}()
	}
	err = d.Run(ctx)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(sctx)
		cancel()
	}
	return err
}

// source returns the config repo source: a watched directory, or a Git
// remote (a URL or local repository) followed through the cache directory.
func (f *runFlags) source(ctx context.Context, log *slog.Logger) (daemon.Source, <-chan struct{}, error) {
	if f.repo == "" {
		return nil, nil, errors.New("no config repo: pass --repo with a Git URL, a local Git repository, or a directory and --watch")
	}
	if f.watch {
		changes, err := source.Watch(ctx, f.repo, 0)
		if err != nil {
			return nil, nil, err
		}
		return daemon.DirSource(f.repo), changes, nil
	}
	cache := f.cacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, nil, fmt.Errorf("no cache directory for the config repo clone: pass --cache-dir (%w)", err)
		}
		sum := sha256.Sum256([]byte(f.repo + "\x00" + f.branch))
		cache = filepath.Join(base, "strata", "repos", hex.EncodeToString(sum[:8]))
	}
	url := f.repo
	if fi, err := os.Stat(filepath.Join(url, ".git")); err == nil && fi.IsDir() {
		url = filepath.Join(url, ".git") // a working clone: fetch from its repository
	}
	r, err := source.NewRemote(source.RemoteOptions{
		URL: url, Branch: f.branch, CacheDir: cache,
		Credentials: source.CredentialsFromEnv(os.Getenv), Logger: log,
	})
	if err != nil {
		return nil, nil, err
	}
	log.Info("following config repo", "repo", r.String(), "cache_dir", cache)
	return r, nil, nil
}

// driftSweep is the daemon's periodic sweep: the archives of these tenants
// whose retention passed are purged (a failure is logged and retried next
// sweep), then the reconciler's bulk Drift records detections in the landlord.
func driftSweep(ctx context.Context, r *reconciler.Reconciler, tenants []string) (*reconciler.DriftResult, error) {
	if _, err := r.PurgeArchives(ctx, reconciler.PurgeOptions{Tenants: tenants}); err != nil {
		return nil, fmt.Errorf("purge archives: %w", err)
	}
	return r.Drift(ctx, tenants)
}

// newLogger returns a text or JSON slog logger on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: use text or json", format)
}

// token returns the API token: the --token-file's first line, else
// $STRATA_API_TOKEN; "" leaves the API and the console open.
func (f *runFlags) token() (string, error) {
	if f.tokenFile == "" {
		return os.Getenv(envAPIToken), nil
	}
	b, err := os.ReadFile(f.tokenFile)
	if err != nil {
		return "", fmt.Errorf("read --token-file: %w", err)
	}
	tok, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if tok == "" {
		return "", fmt.Errorf("--token-file %s is empty: write the API token in it", f.tokenFile)
	}
	return tok, nil
}
