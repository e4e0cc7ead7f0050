package reconciler

import (
	"context"
	"fmt"
)

// markOrphaned records every tenant the landlord knows but the config repo
// no longer has as orphaned: not active, nothing dropped, its credentials
// still readable (strata credentials). A tenant added back is applied as
// any other.
func (r *Reconciler) markOrphaned(ctx context.Context) error {
	names := make(map[string]bool, len(r.fleet.Tenants))
	for _, t := range r.fleet.Tenants {
		names[t.Name] = true
	}
	marked, err := r.store.MarkOrphaned(ctx, names)
	if err != nil {
		return fmt.Errorf("reconciler: %w", err)
	}
	if len(marked) > 0 {
		r.log.Warn("tenants no longer in the config repo marked orphaned; their databases are kept", "tenants", marked)
	}
	return nil
}
