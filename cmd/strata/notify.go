package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/notify"
	"github.com/stratadb/strata/spec"
)

// notifyFlag registers --notify on a plan or apply command.
func notifyFlag(cmd *cobra.Command) *bool {
	return cmd.Flags().Bool("notify", false, "tell the notify: receivers of strata.yaml what needs a person (failed, blocked tenants; apply: its end), for CI-driven fleets")
}

// cliNotifier is a notifier for one plan or apply: everything found goes
// out as one message per receiver when it is flushed.
type cliNotifier struct {
	n     *notify.Notifier
	fleet *spec.Fleet
}

// newCLINotifier configures fleet's receivers; delivery problems are
// warnings on stderr (they never change the exit status).
func newCLINotifier(stderr io.Writer, fleet *spec.Fleet) *cliNotifier {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	n := notify.New(notify.Options{Window: time.Hour, Logger: log}) // batched until flush
	if len(fleet.Config.Notify) == 0 {
		log.Warn("--notify: strata.yaml has no notify: receivers")
	}
	if err := n.Configure(fleet.Config.Notify); err != nil {
		log.Warn("some notify: receivers are left out", "err", err)
	}
	return &cliNotifier{n: n, fleet: fleet}
}

func (c *cliNotifier) tenant(k notify.Kind, name, commit, detail string) {
	var labels map[string]string
	if t := c.fleet.Tenant(name); t != nil {
		labels = t.Labels
	}
	c.n.Report(notify.Event{Kind: k, Tenant: name, Labels: labels, Commit: commit, Detail: detail})
}

// plan tells the tenants a plan found blocked or failed.
func (c *cliNotifier) plan(p *planner.Plan) {
	for _, tp := range p.Tenants {
		switch {
		case tp.Action == planner.ActionFailed:
			c.tenant(notify.TenantFailed, tp.Name, p.Commit, tp.Error)
		case tp.Blocked():
			c.tenant(notify.TenantBlocked, tp.Name, p.Commit, "waits for: "+strings.Join(blockedOf(tp), ", "))
		}
	}
}

// apply tells the tenants an apply left failed or blocked, then its end,
// or that its rollout halted (ro, when it applied by wave).
func (c *cliNotifier) apply(res *reconciler.Result, ro *landlord.Rollout) {
	commit := ""
	if res.Plan != nil {
		commit = res.Plan.Commit
	}
	counts := map[reconciler.Outcome]int{}
	for i, t := range res.Tenants {
		counts[t.Outcome]++
		switch t.Outcome {
		case reconciler.OutcomeFailed, reconciler.OutcomeDiverged, reconciler.OutcomeInterrupted:
			c.tenant(notify.TenantFailed, t.Name, commit, t.Error)
		case reconciler.OutcomeBlocked:
			detail := ""
			if res.Plan != nil && i < len(res.Plan.Tenants) {
				detail = "waits for: " + strings.Join(blockedOf(res.Plan.Tenants[i]), ", ")
			}
			c.tenant(notify.TenantBlocked, t.Name, commit, detail)
		}
	}
	outcomes := make([]string, 0, len(counts))
	for o := range counts {
		outcomes = append(outcomes, string(o))
	}
	sort.Strings(outcomes)
	parts := make([]string, 0, len(outcomes))
	for _, o := range outcomes {
		parts = append(parts, fmt.Sprintf("%d %s", counts[reconciler.Outcome(o)], o))
	}
	if ro != nil && ro.Status == landlord.RolloutHalted {
		c.n.Report(notify.Event{Kind: notify.RolloutHalted, Commit: commit, Detail: fmt.Sprintf("strata apply: wave %d: %s", ro.Wave, ro.Reason)})
		return
	}
	c.n.Report(notify.Event{Kind: notify.RolloutFinished, Commit: commit, Detail: "strata apply: " + strings.Join(parts, ", ")})
}

// close delivers what was told (at most notifyFlushTimeout) and stops.
func (c *cliNotifier) close() {
	ctx, cancel := context.WithTimeout(context.Background(), notifyFlushTimeout)
	defer cancel()
	c.n.Close(ctx)
}

func blockedOf(tp planner.TenantPlan) []string {
	var out []string
	for _, s := range tp.Statements {
		if s.Blocked {
			out = append(out, s.Approval)
		}
	}
	return out
}
