package landlord

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Archive states (see schema/006_archives.sql).
const (
	ArchiveArchiving = "archiving" // recorded before the first statement; not yet known complete
	ArchiveKept      = "kept"
	ArchiveRestoring = "restoring" // the restore's first statement may have run
	ArchiveRestored  = "restored"
	ArchivePurged    = "purged"
	ArchiveAbandoned = "abandoned" // the drop never ran; the copy was dropped
)

// Archive kinds.
const (
	ArchiveTable  = "table"
	ArchiveColumn = "column"
)

// Archive is the record of the data kept from one approved drop.
type Archive struct {
	ID     int64  `json:"id"`
	Tenant string `json:"tenant"`
	Table  string `json:"archive_table"` // in the tenant's database
	Kind   string `json:"kind"`          // ArchiveTable or ArchiveColumn
	Object string `json:"object"`        // "members" or "members.fax"
	// Definition is what a restore must find desired again: SHOW CREATE
	// TABLE of the table (AUTO_INCREMENT removed), or the column's line.
	Definition string    `json:"definition"`
	KeyColumns []string  `json:"key_columns,omitempty"` // a column archive's primary key
	RunID      int64     `json:"run_id,omitempty"`
	Commit     string    `json:"commit,omitempty"`
	PR         int       `json:"pr,omitempty"`
	Approval   string    `json:"approval,omitempty"`
	State      string    `json:"state"`
	Rows       int64     `json:"rows"`
	Bytes      int64     `json:"bytes"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"` // restored, purged or abandoned at
	// FinishedRun is the run that restored it; 0 otherwise.
	FinishedRun int64 `json:"finished_run,omitempty"`
}

const archiveCols = "id, tenant, archive_table, kind, object, definition, key_columns, run_id, commit_sha, pr_number, approval, state, row_count, bytes, created_at, expires_at, finished_at, finished_run_id"

// BeginArchive records a's archiving (state archiving) before its first
// statement runs and returns its id. An archiving record of the same
// archive table (a retry after a crash) is reused.
func (s *Store) BeginArchive(ctx context.Context, a Archive) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, "SELECT id FROM "+s.t("archives")+" WHERE tenant = ? AND archive_table = ? AND state = ?", a.Tenant, a.Table, ArchiveArchiving).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		res, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("archives")+
			" (tenant, archive_table, kind, object, definition, key_columns, run_id, commit_sha, pr_number, approval, state, row_count, bytes, created_at, expires_at)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), ?)",
			a.Tenant, a.Table, a.Kind, a.Object, a.Definition, strings.Join(a.KeyColumns, "\n"), sql.NullInt64{Int64: a.RunID, Valid: a.RunID > 0},
			a.Commit, sql.NullInt64{Int64: int64(a.PR), Valid: a.PR > 0}, a.Approval, ArchiveArchiving, a.Rows, a.Bytes, a.ExpiresAt.UTC())
		if err != nil {
			return 0, fmt.Errorf("landlord: record archive %s of %s: %w", a.Table, a.Tenant, err)
		}
		return res.LastInsertId()
	case err != nil:
		return 0, fmt.Errorf("landlord: record archive %s of %s: %w", a.Table, a.Tenant, err)
	}
	_, err = s.q.ExecContext(ctx, "UPDATE "+s.t("archives")+" SET definition = ?, key_columns = ?, run_id = ?, commit_sha = ?, pr_number = ?, approval = ?, expires_at = ? WHERE id = ?",
		a.Definition, strings.Join(a.KeyColumns, "\n"), sql.NullInt64{Int64: a.RunID, Valid: a.RunID > 0}, a.Commit,
		sql.NullInt64{Int64: int64(a.PR), Valid: a.PR > 0}, a.Approval, a.ExpiresAt.UTC(), id)
	if err != nil {
		return 0, fmt.Errorf("landlord: record archive %s of %s: %w", a.Table, a.Tenant, err)
	}
	return id, nil
}

// SetArchiveState moves archive id to state with its measured size (rows,
// bytes; negative: unchanged); run is the run that restored it (0: none).
func (s *Store) SetArchiveState(ctx context.Context, id int64, state string, rows, bytes, run int64) error {
	q := "UPDATE " + s.t("archives") + " SET state = ?, row_count = IF(? < 0, row_count, ?), bytes = IF(? < 0, bytes, ?)"
	args := []any{state, rows, rows, bytes, bytes}
	switch state {
	case ArchiveRestored, ArchivePurged, ArchiveAbandoned:
		q += ", finished_at = UTC_TIMESTAMP(6), finished_run_id = ?"
		args = append(args, sql.NullInt64{Int64: run, Valid: run > 0})
	}
	q += " WHERE id = ?"
	if _, err := s.q.ExecContext(ctx, q, append(args, id)...); err != nil {
		return fmt.Errorf("landlord: archive %d %s: %w", id, state, err)
	}
	return nil
}

// ArchiveFilter selects archives: by tenant ("" any) and states (none: any).
type ArchiveFilter struct {
	Tenant string
	States []string
	// ExpiredBy selects archives whose expires_at is at or before it (zero: any).
	ExpiredBy time.Time
}

// Archives returns the archives f selects, oldest first.
func (s *Store) Archives(ctx context.Context, f ArchiveFilter) ([]Archive, error) {
	q := "SELECT " + archiveCols + " FROM " + s.t("archives") + " WHERE 1=1"
	var args []any
	if f.Tenant != "" {
		q += " AND tenant = ?"
		args = append(args, f.Tenant)
	}
	if len(f.States) > 0 {
		q += " AND state IN (?" + strings.Repeat(", ?", len(f.States)-1) + ")"
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if !f.ExpiredBy.IsZero() {
		q += " AND expires_at <= ?"
		args = append(args, f.ExpiredBy.UTC())
	}
	rows, err := s.q.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("landlord: archives: %w", err)
	}
	defer rows.Close()
	var out []Archive
	for rows.Next() {
		var a Archive
		var keys string
		var run, pr, finRun sql.NullInt64
		var fin sql.NullTime
		if err := rows.Scan(&a.ID, &a.Tenant, &a.Table, &a.Kind, &a.Object, &a.Definition, &keys, &run, &a.Commit, &pr, &a.Approval,
			&a.State, &a.Rows, &a.Bytes, &a.CreatedAt, &a.ExpiresAt, &fin, &finRun); err != nil {
			return nil, fmt.Errorf("landlord: archives: %w", err)
		}
		if keys != "" {
			a.KeyColumns = strings.Split(keys, "\n")
		}
		a.RunID, a.PR, a.FinishedRun = run.Int64, int(pr.Int64), finRun.Int64
		a.FinishedAt = fin.Time
		out = append(out, a)
	}
	return out, rows.Err()
}

// ArchivedTenants returns the tenants with archives kept or in progress
// (archiving, restoring); none when the landlord has no archives table yet.
func (s *Store) ArchivedTenants(ctx context.Context) (map[string]bool, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT DISTINCT tenant FROM "+s.t("archives")+" WHERE state IN (?, ?, ?)", ArchiveKept, ArchiveArchiving, ArchiveRestoring)
	if err != nil {
		return nil, fmt.Errorf("landlord: tenants with archives: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("landlord: tenants with archives: %w", err)
		}
		out[t] = true
	}
	return out, rows.Err()
}
