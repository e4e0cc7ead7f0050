package reconciler

import (
	"context"
	"fmt"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
)

// Credentials returns the DSN the application uses for tenant: its app
// user, decrypted password and database on the tenant's server. It is a
// secret: print it only where asked (strata credentials TENANT).
func (r *Reconciler) Credentials(ctx context.Context, tenant string) (string, error) {
	if r.box == nil {
		return "", fmt.Errorf("reconciler: credentials of %s: %w", tenant, secret.ErrNoKey)
	}
	store, err := r.ReadLandlord(ctx)
	if err != nil {
		return "", err
	}
	server, database := "", ""
	if t := r.fleet.Tenant(tenant); t != nil {
		server, database = t.Server, t.Database
	} else if rec, err := store.Tenant(ctx, tenant); err == nil {
		server, database = rec.Server, rec.Database // orphaned: its database is kept
	} else if landlord.IsNotFound(err) {
		return "", fmt.Errorf("reconciler: unknown tenant %q: there is no tenants/%s/tenant.yaml in the config repo", tenant, tenant)
	} else {
		return "", fmt.Errorf("reconciler: %w", err)
	}
	s, err := r.server(server)
	if err != nil {
		return "", err
	}
	cred, err := store.Credential(ctx, tenant, landlord.RoleApp)
	if landlord.IsNotFound(err) {
		return "", fmt.Errorf("reconciler: %s has no credentials yet: run strata apply --tenant %s", tenant, tenant)
	}
	if err != nil {
		return "", err
	}
	pw, err := r.box.Open(cred.Sealed, sealContext(tenant, landlord.RoleApp))
	if err != nil {
		return "", fmt.Errorf("reconciler: credentials of %s: %w", tenant, err)
	}
	cfg := s.cfg.Clone()
	cfg.User, cfg.Passwd, cfg.DBName = cred.User, pw, database
	cfg.ParseTime = false // strata's own connection setting, not the application's
	return cfg.FormatDSN(), nil
}
