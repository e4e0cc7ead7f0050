package reconciler

import (
	"context"
	"fmt"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec/ident"
)

// PurgeOptions selects the archives Purge drops.
type PurgeOptions struct {
	Tenant string // "" every tenant
	// Tenants, when not nil, restricts the purge to these (a daemon's shard).
	Tenants []string
	// All purges kept archives whether they expired or not.
	All bool
}

// Purged is one archive Purge handled.
type Purged struct {
	Archive landlord.Archive
	Error   string // why it was not purged ("" when it was)
}

// ListArchives returns the archives the landlord records (every state),
// of one tenant or ("" ) all; none before a first apply.
func (r *Reconciler) ListArchives(ctx context.Context, tenant string) ([]landlord.Archive, error) {
	ok, err := r.store.Exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return r.store.Archives(ctx, landlord.ArchiveFilter{Tenant: tenant})
}

// PurgeArchives drops the kept archives whose retention has passed (by the
// reconciler's clock; every kept one with All) and records each purged. Each
// is dropped under its tenant's lock, so no apply restores from it
// meanwhile; a tenant whose lock another strata holds keeps its archives
// until the next purge. The error is for an unreadable landlord.
func (r *Reconciler) PurgeArchives(ctx context.Context, o PurgeOptions) ([]Purged, error) {
	if _, err := r.Landlord(ctx); err != nil {
		return nil, err
	}
	f := landlord.ArchiveFilter{Tenant: o.Tenant, States: []string{landlord.ArchiveKept}}
	if !o.All {
		f.ExpiredBy = r.now()
	}
	recs, err := r.store.Archives(ctx, f)
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, t := range o.Tenants {
		only[t] = true
	}
	out := make([]Purged, 0, len(recs))
	for _, a := range recs {
		if o.Tenants != nil && !only[a.Tenant] {
			continue
		}
		p := Purged{Archive: a}
		if err := r.purgeOne(ctx, a); err != nil {
			p.Error = err.Error()
			r.log.Warn("archive not purged", "tenant", a.Tenant, "archive", a.Table, "err", err)
		} else {
			p.Archive.State = landlord.ArchivePurged
			r.log.Info("archive purged", "tenant", a.Tenant, "archive", a.Table, "object", a.Object, "expired", a.ExpiresAt)
		}
		out = append(out, p)
	}
	return out, nil
}

// purgeOne drops one archive table under its tenant's lock and records it purged.
func (r *Reconciler) purgeOne(ctx context.Context, a landlord.Archive) error {
	rec, err := r.store.Tenant(ctx, a.Tenant)
	if err != nil {
		return err
	}
	s, err := r.server(rec.Server)
	if err != nil {
		return err
	}
	unlock, ok, err := lockTenant(ctx, s.db, rec.Database)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("tenant %s is locked by another strata; purged next time", a.Tenant)
	}
	defer unlock()
	if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+ident.Quote(rec.Database)+"."+ident.Quote(a.Table)); err != nil {
		return fmt.Errorf("drop %s.%s: %w", rec.Database, a.Table, err)
	}
	return r.store.SetArchiveState(ctx, a.ID, landlord.ArchivePurged, -1, -1, 0)
}
