package landlord

import (
	"context"
	"fmt"
)

// Notifications returns the problems strata notified about that have not
// cleared: by problem ("kind/tenant"), what it was when told (see
// reconciler/notify.State).
func (s *Store) Notifications(ctx context.Context) (map[string]string, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT problem, fingerprint FROM "+s.t("notifications"))
	if err != nil {
		return nil, fmt.Errorf("landlord: read notifications: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, fp string
		if err := rows.Scan(&k, &fp); err != nil {
			return nil, fmt.Errorf("landlord: read notifications: %w", err)
		}
		out[k] = fp
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: read notifications: %w", err)
	}
	return out, nil
}

// PutNotification records that problem was told as fingerprint.
func (s *Store) PutNotification(ctx context.Context, problem, fingerprint string) error {
	_, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("notifications")+" (problem, fingerprint, since) VALUES (?, ?, UTC_TIMESTAMP(6))"+
		" ON DUPLICATE KEY UPDATE since = IF(fingerprint = VALUES(fingerprint), since, VALUES(since)), fingerprint = VALUES(fingerprint)", problem, fingerprint)
	if err != nil {
		return fmt.Errorf("landlord: record notification %s: %w", problem, err)
	}
	return nil
}

// DeleteNotification records that problem cleared.
func (s *Store) DeleteNotification(ctx context.Context, problem string) error {
	if _, err := s.q.ExecContext(ctx, "DELETE FROM "+s.t("notifications")+" WHERE problem = ?", problem); err != nil {
		return fmt.Errorf("landlord: clear notification %s: %w", problem, err)
	}
	return nil
}
