package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/source"
)

// fleetFlags are the flags of every verb that works on a fleet: where the
// config repo is, which tenants, how many at once, and the secret key.
type fleetFlags struct {
	repo          string
	ref           string
	tenants       []string
	concurrency   int
	secretKeyFile string
	verbose       bool
}

func (f *fleetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.repo, "repo", ".", "config repo directory (holds strata.yaml)")
	fl.StringVar(&f.ref, "ref", "", "read the config repo at this Git branch, tag or commit instead of the working tree")
	fl.StringArrayVar(&f.tenants, "tenant", nil, "only this tenant (repeatable); default: every tenant")
	fl.IntVar(&f.concurrency, "concurrency", 4, "tenants worked on at once per server")
	fl.StringVar(&f.secretKeyFile, "secret-key-file", "", "file holding the key that encrypts tenant credentials (default: $STRATA_SECRET_KEY)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log progress to stderr")
}

// snapshot reads the config repo: the working tree, or the commit --ref names.
func (f *fleetFlags) snapshot() (source.Snapshot, error) {
	if f.ref == "" {
		return source.Worktree(f.repo)
	}
	repo, err := source.OpenRepo(f.repo)
	if err != nil {
		return source.Snapshot{}, err
	}
	return repo.Snapshot(f.ref)
}

// load reads and validates the config repo. An invalid repo is an exitError
// with code 1 that lists every diagnostic.
func (f *fleetFlags) load() (*spec.Fleet, source.Snapshot, error) {
	snap, err := f.snapshot()
	if err != nil {
		return nil, snap, err
	}
	fleet, err := spec.Load(snap.FS)
	var diags spec.Diagnostics
	if errors.As(err, &diags) {
		return nil, snap, &exitError{code: 1, err: fmt.Errorf("the config repo %s is invalid:\n%s\n%s", f.repo, diags.Error(), plural(len(diags), "problem"))}
	}
	if err != nil {
		return nil, snap, err
	}
	return fleet, snap, nil
}

// secretKey returns the key from --secret-key-file or STRATA_SECRET_KEY, or
// nil when neither is set (strata then refuses to provision new tenants).
func (f *fleetFlags) secretKey() ([]byte, error) {
	if f.secretKeyFile != "" {
		return secret.ReadKeyFile(f.secretKeyFile)
	}
	if v := os.Getenv("STRATA_SECRET_KEY"); v != "" {
		return secret.ParseKey(v)
	}
	return nil, nil
}

// reconciler loads the fleet and returns a Reconciler for it, with opts
// applied to its Options. The caller closes it.
func (f *fleetFlags) reconciler(stderr io.Writer, opts ...func(*reconciler.Options)) (*reconciler.Reconciler, *spec.Fleet, error) {
	fleet, snap, err := f.load()
	if err != nil {
		return nil, nil, err
	}
	key, err := f.secretKey()
	if err != nil {
		return nil, nil, err
	}
	opts = append([]func(*reconciler.Options){func(o *reconciler.Options) {
		o.SecretKey, o.Commit, o.PR = key, snap.Commit, snap.PR
	}}, opts...)
	r, err := f.newReconciler(fleet, stderr, opts...)
	if err != nil {
		return nil, nil, err
	}
	return r, fleet, nil
}

// newReconciler returns a Reconciler for fleet: every verb's connections to
// the servers, the dev server and the landlord are made there.
func (f *fleetFlags) newReconciler(fleet *spec.Fleet, stderr io.Writer, opts ...func(*reconciler.Options)) (*reconciler.Reconciler, error) {
	// The CLI reports outcomes itself; logs are for -v (and the daemon).
	level := slog.LevelError + 4
	if f.verbose {
		level = slog.LevelInfo
	}
	o := reconciler.Options{
		Concurrency: f.concurrency,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	for _, fn := range opts {
		fn(&o)
	}
	return reconciler.New(fleet, o)
}

// formatFlag registers --format and returns a function that parses it.
func formatFlag(cmd *cobra.Command) func() (render.Format, error) {
	s := cmd.Flags().String("format", "text", "output format: text, json or markdown")
	return func() (render.Format, error) { return render.ParseFormat(*s) }
}

// jsonFlag registers --format for verbs that print text or JSON and returns
// a function that parses it.
func jsonFlag(cmd *cobra.Command) func() (render.Format, error) {
	s := cmd.Flags().String("format", "text", "output format: text or json")
	return func() (render.Format, error) {
		switch *s {
		case "text":
			return render.FormatText, nil
		case "json":
			return render.FormatJSON, nil
		}
		return "", fmt.Errorf("unknown format %q: use text or json", *s)
	}
}

// colorFor reports whether output to w should be coloured: a terminal, and
// NO_COLOR unset (https://no-color.org).
func colorFor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// withContext is cmd's context, which main cancels on SIGINT/SIGTERM.
func withContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// worktreeCommit is what an apply from the working tree records as its
// commit: the commit the tree is based on, with "-dirty" appended when
// files under --repo differ from it ("" outside Git). With --ref the
// snapshot's own commit is recorded instead.
func (f *fleetFlags) worktreeCommit() (string, error) {
	commit, dirty, err := source.WorktreeBase(f.repo)
	if err != nil || commit == "" || !dirty {
		return commit, err
	}
	return commit + "-dirty", nil
}
