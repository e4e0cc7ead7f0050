package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/render"
)

// attentionLimit bounds the tenants listed by `strata status`; the counts
// above the list always cover the whole fleet.
const attentionLimit = 50

// newStatusCmd: strata status — what the landlord knows, compact enough for
// thousands of tenants.
func newStatusCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show tenant counts per status and the tenants that need attention",
		Long: `Without --tenant: counts per status, then only the tenants that need a human
(failed, drifted, stuck provisioning, or blocked). With --tenant: that tenant's
record and its apply history.`,
		Args: cobra.NoArgs,
	}
	ff.register(cmd)
	format := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		r, _, err := ff.reconciler(cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		defer r.Close()
		ctx := withContext(cmd)
		store, err := r.ReadLandlord(ctx) // status changes nothing, not even the landlord's schema
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if len(ff.tenants) > 0 {
			return tenantStatus(ctx, out, store, ff.tenants, f)
		}
		return fleetStatus(ctx, out, store, f)
	}
	return cmd
}

// fleetStatus prints the fleet's status from the landlord.
func fleetStatus(ctx context.Context, w io.Writer, store *landlord.Store, f render.Format) error {
	s, err := readFleetStatus(ctx, store)
	if err != nil {
		return err
	}
	return render.Status(w, s, f)
}

// readFleetStatus reads the fleet's status from the landlord.
func readFleetStatus(ctx context.Context, store *landlord.Store) (*render.FleetStatus, error) {
	s := &render.FleetStatus{AttentionLimit: attentionLimit}
	var err error
	if s.Counts, err = store.Counts(ctx); err != nil {
		return nil, err
	}
	if s.Attention, err = store.Attention(ctx, attentionLimit); err != nil {
		return nil, err
	}
	if s.Drift, err = store.DriftCounts(ctx); err != nil {
		return nil, err
	}
	if rec, err := store.ReadRollout(ctx, ""); err == nil {
		s.Rollout = &rec
	} else if !landlord.IsNotFound(err) {
		return nil, err
	}
	holds, err := store.Holds(ctx)
	if err != nil {
		return nil, err
	}
	s.Paused = make([]landlord.Hold, 0, len(holds))
	for _, h := range holds {
		s.Paused = append(s.Paused, h)
	}
	sort.Slice(s.Paused, func(i, j int) bool { return s.Paused[i].Tenant < s.Paused[j].Tenant })
	return s, nil
}

// historyLimit is how many apply runs --tenant shows.
const historyLimit = 10

// tenantStatus prints each named tenant's record and apply history.
func tenantStatus(ctx context.Context, w io.Writer, store *landlord.Store, names []string, f render.Format) error {
	var details []render.TenantDetail
	for _, name := range names {
		t, err := store.Tenant(ctx, name)
		if landlord.IsNotFound(err) {
			return fmt.Errorf("the landlord has no record of %s: run strata apply --tenant %s", name, name)
		}
		if err != nil {
			return err
		}
		h, err := store.History(ctx, name, historyLimit)
		if err != nil {
			return err
		}
		details = append(details, render.TenantDetail{Tenant: t, History: h})
	}
	return render.TenantStatus(w, details, f)
}
