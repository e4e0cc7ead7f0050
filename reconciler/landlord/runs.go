package landlord

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Run outcomes.
const (
	RunRunning   = "running"
	RunConverged = "converged" // in sync after the run
	RunBlocked   = "blocked"   // converged except statements awaiting approval
	RunFailed    = "failed"
	RunDiverged  = "diverged" // ran, but the live schema still differs where no statement can change it
)

// Statement outcomes.
const (
	StatementApplied = "applied"
	StatementFailed  = "failed"
	StatementBlocked = "blocked" // not run: awaits approval, or withheld by the drift strategy
	StatementSkipped = "skipped" // not run: an earlier statement failed
	// StatementRunning is recorded before a statement runs and replaced by
	// its outcome after (FinishStatement). Left running in a finished run, it
	// was cut off by a strata that died: it may or may not have taken effect.
	StatementRunning = "running"
	// StatementInterrupted is a statement left running by a strata that
	// died, closed by CloseRunning: it may or may not have taken effect.
	StatementInterrupted = "interrupted"
)

// Run is one apply attempt on a tenant.
type Run struct {
	ID         int64     `json:"id"`
	Tenant     string    `json:"tenant"`
	Commit     string    `json:"commit,omitempty"`
	PR         int       `json:"pr,omitempty"` // the pull request that approved it; 0 when unknown
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
	// Rollout is how the run's rollout honoured waves (ModeGated, ModeWave,
	// ModeAllWaves), empty outside a rollout.
	Rollout    string            `json:"rollout,omitempty"`
	Statements []StatementRecord `json:"statements,omitempty"`
}

// StatementRecord is one statement of a run and what became of it.
type StatementRecord struct {
	Seq      int           `json:"seq"`
	SQL      string        `json:"sql"`
	Kind     string        `json:"kind,omitempty"`
	Outcome  string        `json:"outcome"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Objects are the schema objects the statement changes, as the planner
	// names them ("column users.name").
	Objects []string `json:"objects,omitempty"`
}

// StartRun records the start of a run and returns its id.
func (s *Store) StartRun(ctx context.Context, tenant, commit string, pr int) (int64, error) {
	res, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("apply_runs")+
		" (tenant, commit_sha, pr_number, started_at, outcome) VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?)",
		tenant, commit, sql.NullInt64{Int64: int64(pr), Valid: pr > 0}, RunRunning)
	if err != nil {
		return 0, fmt.Errorf("landlord: start run for %s: %w", tenant, err)
	}
	return res.LastInsertId()
}

// AddStatement records a statement of run: before it runs (outcome
// running), or one that does not run.
func (s *Store) AddStatement(ctx context.Context, run int64, st StatementRecord) error {
	return s.AddStatements(ctx, run, []StatementRecord{st})
}

// AddStatements records statements of run in one INSERT.
func (s *Store) AddStatements(ctx context.Context, run int64, sts []StatementRecord) error {
	if len(sts) == 0 {
		return nil
	}
	args := make([]any, 0, 8*len(sts))
	for _, st := range sts {
		args = append(args, run, st.Seq, st.SQL, st.Kind, st.Outcome, nullString(st.Error), st.Duration.Milliseconds(), nullString(strings.Join(st.Objects, "\n")))
	}
	rows := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(sts)), ", ")
	if _, err := s.q.ExecContext(ctx, "INSERT INTO "+s.t("apply_statements")+
		" (run_id, seq, sql_text, kind, outcome, error, duration_ms, objects) VALUES "+rows, args...); err != nil {
		return fmt.Errorf("landlord: record statements of run %d: %w", run, err)
	}
	return nil
}

// FinishStatement records the outcome, error and duration of statement
// st.Seq of run, recorded running by AddStatement.
func (s *Store) FinishStatement(ctx context.Context, run int64, st StatementRecord) error {
	_, err := s.q.ExecContext(ctx, "UPDATE "+s.t("apply_statements")+" SET outcome = ?, error = ?, duration_ms = ? WHERE run_id = ? AND seq = ?",
		st.Outcome, nullString(st.Error), st.Duration.Milliseconds(), run, st.Seq)
	if err != nil {
		return fmt.Errorf("landlord: record the outcome of statement %d of run %d: %w", st.Seq, run, err)
	}
	return nil
}

// FinishStatements records the outcomes of statements of run, recorded
// running by AddStatement, in one UPDATE: a provisioning's ten, written one
// by one, were ten round trips of the landlord's transaction.
func (s *Store) FinishStatements(ctx context.Context, run int64, sts []StatementRecord) error {
	// Within the 65,535 arguments of a statement: 7 a statement.
	for len(sts) > finishBatch {
		if err := s.FinishStatements(ctx, run, sts[:finishBatch]); err != nil {
			return err
		}
		sts = sts[finishBatch:]
	}
	if len(sts) == 1 {
		return s.FinishStatement(ctx, run, sts[0])
	}
	var outcome, errText, duration, in strings.Builder
	var oArgs, eArgs, dArgs, inArgs []any
	for i, st := range sts {
		outcome.WriteString(" WHEN ? THEN ?")
		errText.WriteString(" WHEN ? THEN ?")
		duration.WriteString(" WHEN ? THEN ?")
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("?")
		oArgs = append(oArgs, st.Seq, st.Outcome)
		eArgs = append(eArgs, st.Seq, nullString(st.Error))
		dArgs = append(dArgs, st.Seq, st.Duration.Milliseconds())
		inArgs = append(inArgs, st.Seq)
	}
	args := append(append(append(append(oArgs, eArgs...), dArgs...), run), inArgs...)
	_, err := s.q.ExecContext(ctx, "UPDATE "+s.t("apply_statements")+" SET outcome = CASE seq"+outcome.String()+" END, error = CASE seq"+errText.String()+
		" END, duration_ms = CASE seq"+duration.String()+" END WHERE run_id = ? AND seq IN ("+in.String()+")", args...)
	if err != nil {
		return fmt.Errorf("landlord: record the outcomes of statements %d-%d of run %d: %w", sts[0].Seq, sts[len(sts)-1].Seq, run, err)
	}
	return nil
}

// finishBatch is how many outcomes one FinishStatements UPDATE writes.
const finishBatch = 1000

// FinishRun records a run's outcome.
func (s *Store) FinishRun(ctx context.Context, run int64, outcome, errText string) error {
	_, err := s.q.ExecContext(ctx, "UPDATE "+s.t("apply_runs")+
		" SET finished_at = UTC_TIMESTAMP(6), outcome = ?, error = ? WHERE id = ?", outcome, nullString(errText), run)
	if err != nil {
		return fmt.Errorf("landlord: finish run %d: %w", run, err)
	}
	return nil
}

// OwnSince returns the objects of every statement strata ran on tenant in
// runs started after snapshot (a snapshots id), in the order they ran: those
// applied, and those a strata that died was running (running, or
// interrupted once CloseRunning closed them: they may have taken effect). The live schema differs from the snapshot by these without any
// drift: a tenant drifted under strategy report keeps its old snapshot while
// later spec changes still run, and a failed or killed run leaves its work
// half done.
func (s *Store) OwnSince(ctx context.Context, tenant string, snapshot int64) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT COALESCE(st.objects, '') FROM "+s.t("apply_statements")+" st JOIN "+s.t("apply_runs")+" r ON r.id = st.run_id"+
		" WHERE r.tenant = ? AND r.started_at > (SELECT taken_at FROM "+s.t("snapshots")+" WHERE id = ?) AND st.outcome IN (?, ?, ?)"+
		" ORDER BY r.id, st.seq", tenant, snapshot, StatementApplied, StatementRunning, StatementInterrupted)
	if err != nil {
		return nil, fmt.Errorf("landlord: statements run on %s since snapshot %d: %w", tenant, snapshot, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			return nil, fmt.Errorf("landlord: statements run on %s since snapshot %d: %w", tenant, snapshot, err)
		}
		if q != "" {
			out = append(out, strings.Split(q, "\n")...)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: statements run on %s since snapshot %d: %w", tenant, snapshot, err)
	}
	return out, nil
}

// RunMark is a tenant's newest run: its id and outcome.
type RunMark struct {
	ID      int64
	Outcome string
}

// LastRuns returns the newest run of each of tenants (of every tenant when
// tenants is nil), by tenant name, in one query per thousands of names.
// Compared with LastRun under the tenant's lock, it tells whether any strata
// run touched the tenant in between (every change is made inside a run).
func (s *Store) LastRuns(ctx context.Context, tenants []string) (map[string]RunMark, error) {
	out := map[string]RunMark{}
	err := s.queryByNames(ctx, tenants, func(where string) string {
		return "SELECT r.tenant, r.id, r.outcome FROM " + s.t("apply_runs") + " r" +
			" JOIN (SELECT tenant, MAX(id) AS id FROM " + s.t("apply_runs") + where + " GROUP BY tenant) m ON m.id = r.id"
	}, func(rows *sql.Rows) error {
		var tenant string
		var m RunMark
		if err := rows.Scan(&tenant, &m.ID, &m.Outcome); err != nil {
			return err
		}
		out[tenant] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("landlord: read the newest runs: %w", err)
	}
	return out, nil
}

// namesPerQuery bounds the tenant names of one IN list (byNames).
const namesPerQuery = 5000

// byNames calls read with a WHERE clause on column tenant for each batch of
// names, or once with none when names is nil (every tenant): a replica of
// a sharded daemon reads its own tenants' records, not the whole fleet's.
func byNames(names []string, read func(where string, args []any) error) error {
	if names == nil {
		return read("", nil)
	}
	for start := 0; start < len(names); start += namesPerQuery {
		batch := names[start:min(start+namesPerQuery, len(names))]
		args := make([]any, len(batch))
		for i, n := range batch {
			args[i] = n
		}
		if err := read(" WHERE tenant IN ("+strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")+")", args); err != nil {
			return err
		}
	}
	return nil
}

// queryByNames runs the query query(where) for each batch of names (see
// byNames) and hands scan each row.
func (s *Store) queryByNames(ctx context.Context, names []string, query func(where string) string, scan func(*sql.Rows) error) error {
	return byNames(names, func(where string, args []any) error {
		rows, err := s.q.QueryContext(ctx, query(where), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// RunState returns the tenant's newest run (the zero RunMark when it has
// none) and whether any of its runs is recorded running, in one query: a
// tenant with none running needs no CloseRunning.
func (s *Store) RunState(ctx context.Context, tenant string) (newest RunMark, running bool, err error) {
	var n int
	err = s.q.QueryRowContext(ctx, "SELECT id, outcome, (SELECT COUNT(*) FROM "+s.t("apply_runs")+" WHERE tenant = ? AND outcome = ?) FROM "+
		s.t("apply_runs")+" WHERE tenant = ? ORDER BY id DESC LIMIT 1", tenant, RunRunning, tenant).Scan(&newest.ID, &newest.Outcome, &n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return RunMark{}, false, fmt.Errorf("landlord: runs of %s: %w", tenant, err)
	}
	return newest, n > 0, nil
}

// LastRun returns the tenant's newest run; the zero RunMark when it has none.
func (s *Store) LastRun(ctx context.Context, tenant string) (RunMark, error) {
	var m RunMark
	err := s.q.QueryRowContext(ctx, "SELECT id, outcome FROM "+s.t("apply_runs")+" WHERE tenant = ? ORDER BY id DESC LIMIT 1", tenant).Scan(&m.ID, &m.Outcome)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("landlord: newest run of %s: %w", tenant, err)
	}
	return m, nil
}

// History returns the tenant's last limit runs, newest first, with their statements.
func (s *Store) History(ctx context.Context, tenant string, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 20
	}
	q := "SELECT id, tenant, commit_sha, pr_number, started_at, finished_at, outcome, error, rollout FROM %s WHERE tenant = ? ORDER BY id DESC LIMIT %d"
	rows, err := s.q.QueryContext(ctx, fmt.Sprintf(q, s.t("apply_runs"), limit), tenant)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1054 { // a landlord from before rollouts (read-only verbs do not migrate it)
		q = strings.Replace(q, "rollout FROM", "'' FROM", 1)
		rows, err = s.q.QueryContext(ctx, fmt.Sprintf(q, s.t("apply_runs"), limit), tenant)
	}
	if err != nil {
		return nil, fmt.Errorf("landlord: history of %s: %w", tenant, err)
	}
	var runs []Run
	for rows.Next() {
		var r Run
		var pr sql.NullInt64
		var fin sql.NullTime
		var e sql.NullString
		if err := rows.Scan(&r.ID, &r.Tenant, &r.Commit, &pr, &r.StartedAt, &fin, &r.Outcome, &e, &r.Rollout); err != nil {
			rows.Close()
			return nil, fmt.Errorf("landlord: history of %s: %w", tenant, err)
		}
		r.PR, r.FinishedAt, r.Error = int(pr.Int64), fin.Time, e.String
		runs = append(runs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("landlord: history of %s: %w", tenant, err)
	}
	for i := range runs {
		if runs[i].Statements, err = s.statements(ctx, runs[i].ID); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

func (s *Store) statements(ctx context.Context, run int64) ([]StatementRecord, error) {
	rows, err := s.q.QueryContext(ctx, "SELECT seq, sql_text, kind, outcome, error, duration_ms FROM "+s.t("apply_statements")+
		" WHERE run_id = ? ORDER BY seq", run)
	if err != nil {
		return nil, fmt.Errorf("landlord: statements of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []StatementRecord
	for rows.Next() {
		var st StatementRecord
		var e sql.NullString
		var ms int64
		if err := rows.Scan(&st.Seq, &st.SQL, &st.Kind, &st.Outcome, &e, &ms); err != nil {
			return nil, fmt.Errorf("landlord: statements of run %d: %w", run, err)
		}
		st.Error, st.Duration = e.String, time.Duration(ms)*time.Millisecond
		out = append(out, st)
	}
	return out, rows.Err()
}
