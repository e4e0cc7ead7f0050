package landlord

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// RolloutStatus is where a commit's rollout by wave is.
type RolloutStatus string

// Rollout statuses.
const (
	RolloutRolling  RolloutStatus = "rolling"  // a wave is being applied
	RolloutBaking   RolloutStatus = "baking"   // a wave converged; the next starts when rollout.bake has passed
	RolloutHalted   RolloutStatus = "halted"   // a wave failed over its budget: later waves stay at the previous commit
	RolloutFinished RolloutStatus = "finished" // every wave passed
)

// Rollout modes: how the tenants' waves were honoured.
const (
	ModeGated    = "gated"     // wave N+1 after wave N converged (strata apply, strata run)
	ModeWave     = "wave"      // one wave by hand (strata apply --wave N)
	ModeAllWaves = "all-waves" // gating ignored (--all-waves, an emergency)
)

// Rollout is one commit's rollout by wave.
type Rollout struct {
	Commit      string        `json:"commit"`
	Mode        string        `json:"mode"`
	Status      RolloutStatus `json:"status"`
	Wave        int           `json:"wave"` // the wave being applied, baked or halted at; the last one once finished
	MaxFailures int           `json:"max_failures"`
	Bake        time.Duration `json:"bake_ns"`
	Reason      string        `json:"reason,omitempty"` // why it halted
	Waves       []WaveRecord  `json:"waves"`
	StartedAt   time.Time     `json:"started_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	FinishedAt  time.Time     `json:"finished_at,omitzero"`
}

// WaveRecord is what one wave of a rollout did.
type WaveRecord struct {
	Wave      int `json:"wave"`
	Tenants   int `json:"tenants"`
	Converged int `json:"converged"`
	// Failed are the tenants of the wave that failed (or whose post-wave
	// check did not pass), by name.
	Failed     []string  `json:"failed,omitempty"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// WaveOf returns the record of wave n, nil when the rollout has none.
func (r *Rollout) WaveOf(n int) *WaveRecord {
	for i := range r.Waves {
		if r.Waves[i].Wave == n {
			return &r.Waves[i]
		}
	}
	return nil
}

// SaveRollout records r, replacing the commit's earlier record.
func (s *Store) SaveRollout(ctx context.Context, r Rollout) error {
	waves, err := json.Marshal(r.Waves)
	if err != nil {
		return fmt.Errorf("landlord: rollout of %s: %w", r.Commit, err)
	}
	_, err = s.q.ExecContext(ctx, "INSERT INTO "+s.t("rollouts")+
		" (commit_sha, mode, status, wave, max_failures, bake_ms, reason, waves, started_at, updated_at, finished_at)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), ?)"+
		" ON DUPLICATE KEY UPDATE mode = VALUES(mode), status = VALUES(status), wave = VALUES(wave), max_failures = VALUES(max_failures),"+
		" bake_ms = VALUES(bake_ms), reason = VALUES(reason), waves = VALUES(waves), started_at = VALUES(started_at),"+
		" updated_at = VALUES(updated_at), finished_at = VALUES(finished_at)",
		r.Commit, r.Mode, string(r.Status), r.Wave, r.MaxFailures, r.Bake.Milliseconds(), nullString(r.Reason), waves,
		r.StartedAt.UTC(), nullTime(r.FinishedAt))
	if err != nil {
		return fmt.Errorf("landlord: record the rollout of %s: %w", r.Commit, err)
	}
	return nil
}

// ReadRollout returns the rollout of commit, or the newest rollout when
// commit is "": the one place strata status, the status API, the console
// and notifications read rollout state from. ErrNotFound when there is none.
func (s *Store) ReadRollout(ctx context.Context, commit string) (Rollout, error) {
	q := "SELECT commit_sha, mode, status, wave, max_failures, bake_ms, reason, waves, started_at, updated_at, finished_at FROM " + s.t("rollouts")
	args := []any{}
	if commit != "" {
		q += " WHERE commit_sha = ?"
		args = append(args, commit)
	} else {
		q += " ORDER BY updated_at DESC LIMIT 1"
	}
	var (
		r      Rollout
		status string
		bake   int64
		reason sql.NullString
		waves  string
		fin    sql.NullTime
	)
	err := s.q.QueryRowContext(ctx, q, args...).Scan(&r.Commit, &r.Mode, &status, &r.Wave, &r.MaxFailures, &bake, &reason, &waves,
		&r.StartedAt, &r.UpdatedAt, &fin)
	var me *mysql.MySQLError
	if errors.Is(err, sql.ErrNoRows) || errors.As(err, &me) && me.Number == 1146 {
		return Rollout{}, ErrNotFound // none yet, or a landlord from before rollouts
	}
	if err != nil {
		return Rollout{}, fmt.Errorf("landlord: read rollout %q: %w", commit, err)
	}
	r.Status, r.Bake, r.Reason, r.FinishedAt = RolloutStatus(status), time.Duration(bake)*time.Millisecond, reason.String, fin.Time
	if err := json.Unmarshal([]byte(waves), &r.Waves); err != nil {
		return Rollout{}, fmt.Errorf("landlord: rollout of %s: waves: %w", r.Commit, err)
	}
	return r, nil
}

// StartRunIn is StartRun for a run that belongs to a rollout: wave is the
// tenant's wave, mode how waves were honoured (ModeGated, ModeWave,
// ModeAllWaves; "" for none).
func (s *Store) StartRunIn(ctx context.Context, tenant, commit string, pr, wave int, mode string) (int64, error) {
	if mode == "" {
		return s.StartRun(ctx, tenant, commit, pr)
	}
	res, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("apply_runs")+
		" (tenant, commit_sha, pr_number, started_at, outcome, wave, rollout) VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?, ?, ?)",
		tenant, commit, sql.NullInt64{Int64: int64(pr), Valid: pr > 0}, RunRunning, wave, mode)
	if err != nil {
		return 0, fmt.Errorf("landlord: start run for %s: %w", tenant, err)
	}
	return res.LastInsertId()
}
