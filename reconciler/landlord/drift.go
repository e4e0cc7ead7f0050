package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Baseline is what a tenant's live schema is compared with to find drift:
// its newest snapshot (taken after its last successful apply).
type Baseline struct {
	Tenant      string
	SnapshotID  int64
	Hash        string // snapshot schema_hash
	Fingerprint string // "" for a snapshot taken before fingerprints were recorded
	Status      Status // the tenant's recorded status
}

// Baselines returns the newest snapshot of each of tenants that has one (of
// every tenant when tenants is nil), by tenant name, in one query per
// thousands of names (a drift sweep reads the whole fleet at once).
func (s *Store) Baselines(ctx context.Context, tenants []string) (map[string]Baseline, error) {
	out := map[string]Baseline{}
	err := s.queryByNames(ctx, tenants, func(where string) string {
		return "SELECT s.tenant, s.id, s.schema_hash, s.fingerprint, COALESCE(t.status, '') FROM " + s.t("snapshots") + " s" +
			" JOIN (SELECT tenant, MAX(id) AS id FROM " + s.t("snapshots") + where + " GROUP BY tenant) m ON m.id = s.id" +
			" LEFT JOIN " + s.t("tenants") + " t ON t.name = s.tenant"
	}, func(rows *sql.Rows) error {
		var b Baseline
		var status string
		if err := rows.Scan(&b.Tenant, &b.SnapshotID, &b.Hash, &b.Fingerprint, &status); err != nil {
			return err
		}
		b.Status = Status(status)
		out[b.Tenant] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("landlord: read snapshot baselines: %w", err)
	}
	return out, nil
}

// Baseline returns one tenant's newest snapshot, as Baselines does for
// all; ok is false when it has none. apply reads it under the tenant's lock
// for its drift check: another strata may have taken one since a pass.
func (s *Store) Baseline(ctx context.Context, tenant string) (b Baseline, ok bool, err error) {
	var status string
	err = s.db.QueryRowContext(ctx, "SELECT s.tenant, s.id, s.schema_hash, s.fingerprint, COALESCE(t.status, '') FROM "+s.t("snapshots")+" s"+
		" LEFT JOIN "+s.t("tenants")+" t ON t.name = s.tenant WHERE s.tenant = ? ORDER BY s.id DESC LIMIT 1", tenant).
		Scan(&b.Tenant, &b.SnapshotID, &b.Hash, &b.Fingerprint, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Baseline{}, false, nil
	case err != nil:
		return Baseline{}, false, fmt.Errorf("landlord: read the snapshot baseline of %s: %w", tenant, err)
	}
	b.Status = Status(status)
	return b, true, nil
}

// SnapshotDDL returns the DDL of the snapshot with the given id.
func (s *Store) SnapshotDDL(ctx context.Context, id int64) (string, error) {
	var ddl string
	err := s.q.QueryRowContext(ctx, "SELECT schema_ddl FROM "+s.t("snapshots")+" WHERE id = ?", id).Scan(&ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("landlord: snapshot %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("landlord: snapshot %d: %w", id, err)
	}
	return ddl, nil
}

// DriftDifference is one difference of a detection, e.g. {"added", "COLUMN members.fax"}.
type DriftDifference struct {
	Change string // added, removed or modified
	Object string
	Detail string
}

// Detection is one drift detection of a tenant.
type Detection struct {
	ID                  int64             `json:"id"`
	Tenant              string            `json:"tenant"`
	DetectedAt          time.Time         `json:"detected_at"`
	Severity            string            `json:"severity"`
	Score               int               `json:"score"`
	LiveFingerprint     string            `json:"live_fingerprint"`
	BaselineFingerprint string            `json:"baseline_fingerprint,omitempty"`
	DDL                 string            `json:"-"` // the live schema as found
	Differences         []DriftDifference `json:"differences,omitempty"`
}

// OpenDetection returns the tenant's newest unresolved detection, or ErrNotFound.
func (s *Store) OpenDetection(ctx context.Context, tenant string) (*Detection, error) {
	var d Detection
	err := s.q.QueryRowContext(ctx, "SELECT id, tenant, detected_at, severity, score, live_fingerprint, baseline_fingerprint FROM "+
		s.t("drift_detections")+" WHERE tenant = ? AND resolved_at IS NULL ORDER BY id DESC LIMIT 1", tenant).
		Scan(&d.ID, &d.Tenant, &d.DetectedAt, &d.Severity, &d.Score, &d.LiveFingerprint, &d.BaselineFingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("landlord: open drift of %s: %w", tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: open drift of %s: %w", tenant, err)
	}
	return &d, nil
}

// RecordDrift records a detection with its differences (one drift_reports
// row each), closes the tenant's older open detections and reports, and marks the
// tenant drifted, in one transaction. It returns the detection's id.
func (s *Store) RecordDrift(ctx context.Context, d Detection) (int64, error) {
	// A sweep records many tenants at once, and InnoDB may still pick one of
	// their transactions as a deadlock victim (index locks on the open
	// detections); as InnoDB asks, the victim is simply run again.
	for attempt := 1; ; attempt++ {
		id, err := s.recordDrift(ctx, d)
		var me *mysql.MySQLError
		if err != nil && attempt < 5 && errors.As(err, &me) && me.Number == errDeadlock {
			continue
		}
		return id, err
	}
}

// errDeadlock is InnoDB's ER_LOCK_DEADLOCK: the transaction was rolled back.
const errDeadlock = 1213

func (s *Store) recordDrift(ctx context.Context, d Detection) (int64, error) {
	// READ COMMITTED: under REPEATABLE READ the update of open detections
	// takes gap locks that conflict with other tenants' detections.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
	}
	defer tx.Rollback()
	// The new detection lists every difference still there: the older
	// detections and their reports close (what was repaired stays resolved).
	for _, table := range []string{"drift_detections", "drift_reports"} {
		if _, err := tx.ExecContext(ctx, "UPDATE "+s.t(table)+" SET resolved_at = UTC_TIMESTAMP(6) WHERE tenant = ? AND resolved_at IS NULL", d.Tenant); err != nil {
			return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
		}
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO "+s.t("drift_detections")+
		" (tenant, detected_at, severity, score, live_fingerprint, baseline_fingerprint, schema_ddl) VALUES (?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?)",
		d.Tenant, d.Severity, d.Score, d.LiveFingerprint, d.BaselineFingerprint, d.DDL)
	if err != nil {
		return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
	}
	for _, diff := range d.Differences {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+s.t("drift_reports")+
			" (tenant, detected_at, severity, object, detail, detection_id, change_kind) VALUES (?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?)",
			d.Tenant, d.Severity, truncate(diff.Object, 255), nullString(diff.Detail), id, diff.Change); err != nil {
			return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
		}
	}
	// Only a tenant strata considers converged becomes drifted: a failed or
	// suspended tenant keeps the status that says more.
	if _, err := tx.ExecContext(ctx, "UPDATE "+s.t("tenants")+" SET status = ?, updated_at = UTC_TIMESTAMP(6) WHERE name = ? AND status = ?",
		string(StatusDrifted), d.Tenant, string(StatusActive)); err != nil {
		return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("landlord: record drift of %s: %w", d.Tenant, err)
	}
	return id, nil
}

// ResolveDrift closes the tenant's open detections and reports and turns a
// drifted tenant active again: its live schema matches a snapshot again.
func (s *Store) ResolveDrift(ctx context.Context, tenant string) error {
	for _, q := range []string{
		"UPDATE " + s.t("drift_detections") + " SET resolved_at = UTC_TIMESTAMP(6) WHERE tenant = ? AND resolved_at IS NULL",
		"UPDATE " + s.t("drift_reports") + " SET resolved_at = UTC_TIMESTAMP(6) WHERE tenant = ? AND resolved_at IS NULL",
	} {
		if _, err := s.q.ExecContext(ctx, q, tenant); err != nil {
			return fmt.Errorf("landlord: resolve drift of %s: %w", tenant, err)
		}
	}
	if _, err := s.q.ExecContext(ctx, "UPDATE "+s.t("tenants")+" SET status = ?, updated_at = UTC_TIMESTAMP(6) WHERE name = ? AND status = ?",
		string(StatusActive), tenant, string(StatusDrifted)); err != nil {
		return fmt.Errorf("landlord: resolve drift of %s: %w", tenant, err)
	}
	return nil
}

// DriftCounts returns how many tenants have open drift, by severity
// (severities with none omitted), for strata status.
func (s *Store) DriftCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT severity, COUNT(DISTINCT tenant) FROM "+s.t("drift_detections")+
		" WHERE resolved_at IS NULL GROUP BY severity")
	if err != nil {
		return nil, fmt.Errorf("landlord: count drift: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var sev string
		var n int
		if err := rows.Scan(&sev, &n); err != nil {
			return nil, fmt.Errorf("landlord: count drift: %w", err)
		}
		out[sev] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: count drift: %w", err)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
