package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/reconciler/rollout"
	"github.com/stratadb/strata/spec"
)

// newApplyCmd: strata apply — converge the selected tenants once.
// Exit 0 all converged, 1 a tenant failed, 2 something waits for a person,
// 3 a tenant was locked by another run (the rest converged).
func newApplyCmd() *cobra.Command {
	var ff fleetFlags
	var af applyFlags
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Converge every tenant database to its desired schema, once",
		Long: `Provision missing tenants (database, app and migrator users, seeds), apply each
tenant's plan as its migrator user, verify, snapshot and record the outcome in
the landlord. Destructive changes run only when approved in the config repo.
Exit status: 0 all converged; 1 a tenant failed; 2 something waits for a
person (a change awaiting approval, drift left in place); 3 the rest
converged but a tenant was locked by another strata run (apply again later).`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	af.register(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runApply(cmd, &ff, &af) }
	return cmd
}

// applyFlags are apply's own flags, besides the fleet's.
type applyFlags struct {
	format   func() (render.Format, error)
	quiet    *bool
	wave     *int
	allWaves *bool
	tell     *bool
}

func (af *applyFlags) register(cmd *cobra.Command) {
	af.format = formatFlag(cmd)
	af.quiet = cmd.Flags().Bool("quiet", false, "no progress bar (there is none when stderr is not a terminal)")
	af.wave = cmd.Flags().Int("wave", -1, "apply only the tenants of this wave, by hand (no gating; recorded in the commit's rollout)")
	af.allWaves = cmd.Flags().Bool("all-waves", false, "apply every wave at once, ignoring rollout gating (an emergency; recorded as such)")
	af.tell = notifyFlag(cmd)
}

// runApply applies the fleet once, streaming a line per tenant, then
// prints the summary and returns apply's exit status.
func runApply(cmd *cobra.Command, ff *fleetFlags, af *applyFlags) error {
	f, err := af.format()
	if err != nil {
		return err
	}
	mode, err := rolloutMode(ff.tenants, *af.wave, *af.allWaves)
	if err != nil {
		return err
	}
	pr := af.printer(cmd, f)
	r, fleet, err := ff.applier(cmd.ErrOrStderr(), pr, mode)
	if err != nil {
		return err
	}
	defer r.Close()
	if pr.total = len(ff.tenants); pr.total == 0 {
		pr.total = len(fleet.Tenants)
	}
	res, ro, applyErr := af.applyOnce(withContext(cmd), r, fleet, ff.tenants, mode, pr)
	pr.finish()
	if res == nil {
		return applyErr
	}
	if *af.tell {
		n := newCLINotifier(cmd.ErrOrStderr(), fleet)
		n.apply(res, ro)
		defer n.close()
	}
	if err := render.Apply(cmd.OutOrStdout(), res, ro, f); err != nil {
		return err
	}
	return applyExit(res, ro, mode, applyErr)
}

// printer streams tenant lines to stdout (none for JSON, printed whole at
// the end) and the progress bar to stderr when it is a terminal.
func (af *applyFlags) printer(cmd *cobra.Command, f render.Format) *applyPrinter {
	var out, bar io.Writer
	if f != render.FormatJSON {
		out = cmd.OutOrStdout()
	}
	if !*af.quiet && isTerminal(cmd.ErrOrStderr()) {
		bar = cmd.ErrOrStderr()
	}
	return newApplyPrinter(out, bar)
}

// applier is the Reconciler of an apply: pr listens, mode is its rollout,
// and an apply from the working tree records the commit it is based on.
func (f *fleetFlags) applier(stderr io.Writer, pr *applyPrinter, mode string) (*reconciler.Reconciler, *spec.Fleet, error) {
	base := ""
	if f.ref == "" {
		var err error
		if base, err = f.worktreeCommit(); err != nil {
			return nil, nil, err
		}
	}
	return f.reconciler(stderr, func(o *reconciler.Options) {
		o.Listener = pr.listen
		if f.ref == "" {
			o.Commit = base
		}
		o.Rollout = mode
	})
}

// applyOnce applies the named tenants as asked (mode ""), or the fleet by
// rollout; ro is the rollout's record, nil without one. A non-nil error
// with a result means the apply was asked to stop.
func (af *applyFlags) applyOnce(ctx context.Context, r *reconciler.Reconciler, fleet *spec.Fleet, tenants []string, mode string, pr *applyPrinter) (*reconciler.Result, *landlord.Rollout, error) {
	if mode == "" {
		res, err := r.Apply(ctx, tenants)
		return res, nil, err
	}
	res, rec, err := rollout.Apply(ctx, r, fleet, rollout.Options{
		Commit: r.Commit(), Mode: mode, Wave: *af.wave, Listener: pr.rolloutEvent})
	return res, &rec, err
}

// applyExit is apply's exit status once its summary is printed.
func applyExit(res *reconciler.Result, ro *landlord.Rollout, mode string, applyErr error) error {
	if applyErr != nil { // asked to stop: what finished is recorded and shown above
		return &exitError{code: 1, err: fmt.Errorf("apply interrupted (%v): the statements in flight finished and were recorded; apply again to continue", applyErr)}
	}
	if ro != nil && ro.Status == landlord.RolloutHalted && mode != landlord.ModeWave {
		return &exitError{code: 1, err: fmt.Errorf("the rollout of %s halted at wave %d; push a fix (or a revert) to start a new rollout, or apply --wave N by hand", render.ShortCommit(ro.Commit), ro.Wave)}
	}
	code := res.ExitCode()
	if code == 0 && ro != nil && mode == landlord.ModeGated && ro.Status != landlord.RolloutFinished {
		// A paused tenant holds its wave: later waves were not applied.
		return &exitError{code: 2, err: fmt.Errorf("the rollout of %s waits at wave %d (held: %s); later waves stay at the previous commit until strata resume, or apply --wave N by hand",
			render.ShortCommit(ro.Commit), ro.Wave, strings.Join(res.Names(reconciler.OutcomeHeld), ", "))}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// rolloutMode is how strata apply honours waves: gated unless tenants are
// named (they are applied as asked), one wave by hand, or all at once.
func rolloutMode(tenants []string, wave int, all bool) (string, error) {
	switch {
	case wave >= 0 && all:
		return "", &exitError{code: 1, err: fmt.Errorf("--wave and --all-waves exclude each other")}
	case len(tenants) > 0 && (wave >= 0 || all):
		return "", &exitError{code: 1, err: fmt.Errorf("--tenant applies the named tenants as asked: leave out --wave and --all-waves")}
	case len(tenants) > 0:
		return "", nil
	case wave >= 0:
		return landlord.ModeWave, nil
	case all:
		return landlord.ModeAllWaves, nil
	}
	return landlord.ModeGated, nil
}
