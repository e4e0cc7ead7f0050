package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Snapshot is a tenant's live schema after a successful apply.
type Snapshot struct {
	Tenant      string    `json:"tenant"`
	RunID       int64     `json:"run_id,omitempty"`
	Commit      string    `json:"commit,omitempty"`
	TakenAt     time.Time `json:"taken_at"`
	Hash        string    `json:"schema_hash"` // hex SHA-256 of DDL
	Tables      int       `json:"tables"`
	Indexes     int       `json:"indexes"`
	ForeignKeys int       `json:"foreign_keys"`
	DDL         string    `json:"-"` // canonical DDL of every table, by name
	// Fingerprint is the layers/fingerprint hash of the schema, compared in
	// bulk by drift sweeps; "" for snapshots taken before it was recorded.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// SaveSnapshot records a snapshot (TakenAt is set by the server).
func (s *Store) SaveSnapshot(ctx context.Context, sn Snapshot) error {
	_, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("snapshots")+
		" (tenant, run_id, commit_sha, taken_at, schema_hash, table_count, index_count, fk_count, schema_ddl, fingerprint)"+
		" VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?)",
		sn.Tenant, sql.NullInt64{Int64: sn.RunID, Valid: sn.RunID > 0}, sn.Commit, sn.Hash, sn.Tables, sn.Indexes, sn.ForeignKeys, sn.DDL, sn.Fingerprint)
	if err != nil {
		return fmt.Errorf("landlord: record snapshot of %s: %w", sn.Tenant, err)
	}
	return nil
}

// LatestSnapshot returns the tenant's newest snapshot, or ErrNotFound.
func (s *Store) LatestSnapshot(ctx context.Context, tenant string) (*Snapshot, error) {
	var sn Snapshot
	var run sql.NullInt64
	err := s.q.QueryRowContext(ctx, "SELECT tenant, run_id, commit_sha, taken_at, schema_hash, table_count, index_count, fk_count, schema_ddl, fingerprint FROM "+
		s.t("snapshots")+" WHERE tenant = ? ORDER BY id DESC LIMIT 1", tenant).
		Scan(&sn.Tenant, &run, &sn.Commit, &sn.TakenAt, &sn.Hash, &sn.Tables, &sn.Indexes, &sn.ForeignKeys, &sn.DDL, &sn.Fingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("landlord: snapshot of %s: %w", tenant, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: snapshot of %s: %w", tenant, err)
	}
	sn.RunID = run.Int64
	return &sn, nil
}
