package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Role names one of a tenant's database users.
type Role string

// Tenant user roles.
const (
	RoleApp      Role = "app"      // SELECT, INSERT, UPDATE, DELETE on the tenant database
	RoleMigrator Role = "migrator" // ALL on the tenant database; runs the tenant's DDL and seeds
)

// Credential is a tenant user and its password sealed with package secret.
type Credential struct {
	Tenant string
	Role   Role
	User   string
	Sealed string // never the plaintext password
}

// PutCredential inserts or replaces a tenant user's credential.
func (s *Store) PutCredential(ctx context.Context, c Credential) error {
	_, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("credentials")+
		" (tenant, role, user_name, sealed, updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))"+
		" ON DUPLICATE KEY UPDATE user_name = VALUES(user_name), sealed = VALUES(sealed), updated_at = VALUES(updated_at)",
		c.Tenant, string(c.Role), c.User, c.Sealed)
	if err != nil {
		return fmt.Errorf("landlord: store %s credential of %s: %w", c.Role, c.Tenant, err)
	}
	return nil
}

// Credential returns a tenant user's credential, or ErrNotFound.
func (s *Store) Credential(ctx context.Context, tenant string, role Role) (*Credential, error) {
	c := Credential{Tenant: tenant, Role: role}
	err := s.q.QueryRowContext(ctx, "SELECT user_name, sealed FROM "+s.t("credentials")+" WHERE tenant = ? AND role = ?",
		tenant, string(role)).Scan(&c.User, &c.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("landlord: %s credential of %s: %w", role, tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: %s credential of %s: %w", role, tenant, err)
	}
	return &c, nil
}

// Credentials returns every stored credential of tenant, by role.
func (s *Store) Credentials(ctx context.Context, tenant string) (map[Role]*Credential, error) {
	all, err := s.credentials(ctx, []string{tenant})
	if err != nil {
		return nil, fmt.Errorf("landlord: credentials of %s: %w", tenant, err)
	}
	if all[tenant] == nil {
		return map[Role]*Credential{}, nil
	}
	return all[tenant], nil
}

// CredentialsOf returns the stored credentials of the named tenants (every
// tenant's when nil), by tenant and role, in one query per batch of names:
// an apply pass reads them once instead of once per tenant.
func (s *Store) CredentialsOf(ctx context.Context, tenants []string) (map[string]map[Role]*Credential, error) {
	out, err := s.credentials(ctx, tenants)
	if err != nil {
		return nil, fmt.Errorf("landlord: read credentials: %w", err)
	}
	return out, nil
}

// credentials is CredentialsOf; its callers say what failed.
func (s *Store) credentials(ctx context.Context, tenants []string) (map[string]map[Role]*Credential, error) {
	out := map[string]map[Role]*Credential{}
	err := s.queryByNames(ctx, tenants, func(where string) string {
		return "SELECT tenant, role, user_name, sealed FROM " + s.t("credentials") + where
	}, func(rows *sql.Rows) error {
		var c Credential
		if err := rows.Scan(&c.Tenant, &c.Role, &c.User, &c.Sealed); err != nil {
			return err
		}
		if out[c.Tenant] == nil {
			out[c.Tenant] = map[Role]*Credential{}
		}
		out[c.Tenant][c.Role] = &c
		return nil
	})
	return out, err
}

// DeleteCredentials forgets every credential of tenant (its users were dropped).
func (s *Store) DeleteCredentials(ctx context.Context, tenant string) error {
	if _, err := s.q.ExecContext(ctx, "DELETE FROM "+s.t("credentials")+" WHERE tenant = ?", tenant); err != nil {
		return fmt.Errorf("landlord: delete credentials of %s: %w", tenant, err)
	}
	return nil
}

// DeleteCredential forgets the credential of one of tenant's users (a
// failed provisioning dropped the user it had created).
func (s *Store) DeleteCredential(ctx context.Context, tenant string, role Role) error {
	if _, err := s.q.ExecContext(ctx, "DELETE FROM "+s.t("credentials")+" WHERE tenant = ? AND role = ?", tenant, string(role)); err != nil {
		return fmt.Errorf("landlord: delete %s credential of %s: %w", role, tenant, err)
	}
	return nil
}
