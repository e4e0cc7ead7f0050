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
	t := r.fleet.Tenant(tenant)
	if t == nil {
		return "", fmt.Errorf("reconciler: unknown tenant %q: there is no tenants/%s/tenant.yaml in the config repo", tenant, tenant)
	}
	if r.box == nil {
		return "", fmt.Errorf("reconciler: credentials of %s: %w", tenant, secret.ErrNoKey)
	}
	s, err := r.server(t.Server)
	if err != nil {
		return "", err
	}
	store, err := r.Landlord(ctx)
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
	cfg.User, cfg.Passwd, cfg.DBName = cred.User, pw, t.Database
	cfg.ParseTime = false // strata's own connection setting, not the application's
	return cfg.FormatDSN(), nil
}
