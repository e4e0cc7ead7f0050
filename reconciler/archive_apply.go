package reconciler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec/ident"
)

// now is the reconciler's clock: archives expire by it.
func (r *Reconciler) now() time.Time {
	if r.opts.Now != nil {
		return r.opts.Now()
	}
	return time.Now()
}

// archiveBefore records, before st runs, the archive or restore st opens:
// a new archive recorded archiving, a restore marked restoring. A crash
// after this leaves a record the next apply settles.
func (j *job) archiveBefore(ctx context.Context, st planner.Statement) error {
	a := st.Archive
	if a == nil || !a.First {
		return nil
	}
	wctx, cancel := bounded(ctx)
	defer cancel()
	switch a.Op {
	case planner.ArchiveKeep:
		id, err := j.r.store.BeginArchive(wctx, landlord.Archive{
			Tenant: j.t.Name, Table: a.Table, Kind: a.Kind, Object: a.Object, Definition: a.Definition, KeyColumns: a.KeyColumns,
			RunID: j.res.RunID, Commit: j.r.opts.Commit, PR: j.r.opts.PR, Approval: a.Approval, Rows: a.Rows, Bytes: a.Bytes,
			ExpiresAt: j.r.now().Add(a.Retention),
		})
		if err != nil {
			return err
		}
		if j.archives == nil {
			j.archives = map[string]int64{}
		}
		j.archives[a.Table] = id
	case planner.ArchiveRestore:
		return j.r.store.SetArchiveState(wctx, a.ID, landlord.ArchiveRestoring, -1, -1, 0)
	}
	return nil
}

// archiveAfter records, after st ran, the archive or restore st closes:
// kept with its measured size, or restored by this run.
func (j *job) archiveAfter(ctx context.Context, st planner.Statement) error {
	a := st.Archive
	if a == nil || !a.Last {
		return nil
	}
	wctx, cancel := bounded(ctx)
	defer cancel()
	switch a.Op {
	case planner.ArchiveKeep:
		id := j.archives[a.Table]
		rows, bytes, err := measureArchive(wctx, j.srv, j.t.Database, a.Table)
		if err != nil {
			return err
		}
		return j.r.store.SetArchiveState(wctx, id, landlord.ArchiveKept, rows, bytes, 0)
	case planner.ArchiveRestore:
		return j.r.store.SetArchiveState(wctx, a.ID, landlord.ArchiveRestored, -1, -1, j.res.RunID)
	}
	return nil
}

// measureArchive returns an archive table's rows and its data and index bytes.
func measureArchive(ctx context.Context, s *server, database, table string) (rows, bytes int64, err error) {
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+ident.Quote(database)+"."+ident.Quote(table)).Scan(&rows); err != nil {
		return 0, 0, fmt.Errorf("archive: count %s: %w", table, err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(data_length + index_length, 0) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", database, table).Scan(&bytes); err != nil {
		return 0, 0, fmt.Errorf("archive: size of %s: %w", table, err)
	}
	return rows, bytes, nil
}

// settleArchives completes, before the tenant is planned, the archives and
// restores a killed strata left recorded archiving or restoring (the pass
// read them in one query): from what the tenant's database holds it knows
// which statements ran.
//
//   - archiving a table: the archive exists (the RENAME ran): kept; else
//     abandoned (the drop is planned again).
//   - archiving a column: the column still exists (the drop never ran): the
//     copy is dropped, abandoned (the plan archives it again); else kept.
//   - restoring a table: the archive still exists: kept again (the plan
//     restores it again); else restored (the diff adds any foreign key left).
//   - restoring a column: the column exists and so does the archive: the
//     values are copied back and the archive dropped; restored. The column
//     missing: kept again.
func archiveSettleStep(ctx context.Context, j *job) error {
	recs := j.pass.unsettled[j.t.Name]
	if len(recs) == 0 {
		return nil
	}
	tables, err := archiveTables(ctx, j.srv.db, j.t.Database)
	if err != nil {
		return err
	}
	for _, a := range recs {
		exists := tables[strings.ToLower(a.Table)]
		state := landlord.ArchiveKept
		tbl, col, _ := strings.Cut(a.Object, ".")
		colLive := false
		if a.Kind == landlord.ArchiveColumn {
			if ddl, err := showCreate(ctx, j.srv.db, j.t.Database, tbl); err == nil {
				_, colLive = parseCreate(ddl).columns[col]
			}
		}
		switch {
		case a.State == landlord.ArchiveArchiving && a.Kind == landlord.ArchiveTable && !exists:
			state = landlord.ArchiveAbandoned
		case a.State == landlord.ArchiveArchiving && a.Kind == landlord.ArchiveColumn && (colLive || !exists):
			if exists {
				if _, err := j.migrator.ExecContext(ctx, "DROP TABLE "+ident.Quote(a.Table)); err != nil {
					return fmt.Errorf("archive: drop the copy of %s a crash left before the drop: %w", a.Object, err)
				}
			}
			state = landlord.ArchiveAbandoned
		case a.State == landlord.ArchiveRestoring && !exists:
			state = landlord.ArchiveRestored
		case a.State == landlord.ArchiveRestoring && a.Kind == landlord.ArchiveColumn && colLive:
			tg := target{tbl, col}
			if _, err := j.migrator.ExecContext(ctx, restoreUpdate(tg, a.Table, a.KeyColumns)); err != nil {
				return fmt.Errorf("archive: complete the restore of %s: %w", a.Object, err)
			}
			if _, err := j.migrator.ExecContext(ctx, "DROP TABLE "+ident.Quote(a.Table)); err != nil {
				return fmt.Errorf("archive: complete the restore of %s: %w", a.Object, err)
			}
			state = landlord.ArchiveRestored
		}
		rows, bytes := int64(-1), int64(-1)
		if state == landlord.ArchiveKept && a.State == landlord.ArchiveArchiving {
			if rows, bytes, err = measureArchive(ctx, j.srv, j.t.Database, a.Table); err != nil {
				return err
			}
		}
		if err := j.r.store.SetArchiveState(ctx, a.ID, state, rows, bytes, a.RunID); err != nil {
			return err
		}
		j.log.Info("archive settled after an interrupted run", "archive", a.Table, "object", a.Object, "was", a.State, "now", state)
	}
	return nil
}
