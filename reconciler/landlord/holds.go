package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Hold is an operator's pause of a tenant's reconciliation: while it
// exists neither the daemon nor strata apply changes the tenant.
type Hold struct {
	Tenant string    `json:"tenant"`
	By     string    `json:"by,omitempty"` // who paused it, as they said
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
}

// PutHold pauses a tenant (or updates the reason of its hold; Since stays).
func (s *Store) PutHold(ctx context.Context, h Hold) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO "+s.t("holds")+" (tenant, held_by, reason, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6))"+
		" ON DUPLICATE KEY UPDATE held_by = VALUES(held_by), reason = VALUES(reason)", h.Tenant, h.By, nullString(h.Reason))
	if err != nil {
		return fmt.Errorf("landlord: pause %s: %w", h.Tenant, err)
	}
	return nil
}

// DeleteHold resumes a tenant; it reports whether there was a hold.
func (s *Store) DeleteHold(ctx context.Context, tenant string) (bool, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM "+s.t("holds")+" WHERE tenant = ?", tenant)
	if err != nil {
		return false, fmt.Errorf("landlord: resume %s: %w", tenant, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Holds returns every hold by tenant name, in one query. A landlord whose
// schema predates holds (not migrated yet) has none.
func (s *Store) Holds(ctx context.Context) (map[string]Hold, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT tenant, held_by, reason, created_at FROM "+s.t("holds"))
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049) { // no such table or database
		return map[string]Hold{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: read holds: %w", err)
	}
	defer rows.Close()
	out := map[string]Hold{}
	for rows.Next() {
		var h Hold
		var reason sql.NullString
		if err := rows.Scan(&h.Tenant, &h.By, &reason, &h.Since); err != nil {
			return nil, fmt.Errorf("landlord: read holds: %w", err)
		}
		h.Reason = reason.String
		out[h.Tenant] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read holds: %w", err)
	}
	return out, nil
}
