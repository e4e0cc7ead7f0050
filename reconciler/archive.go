package reconciler

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// Archives keep the data of approved drops (docs/archives.md). The plan
// carries them as statements of their own, so plan shows what apply runs:
//
//   - DROP TABLE t becomes ALTER TABLE t DROP FOREIGN KEY ... (an archive
//     constrains nothing: a cascade must not delete archived rows) and RENAME
//     TABLE t TO _strata_archive_<tag>_t;
//   - DROP COLUMN t.c runs after CREATE OR REPLACE TABLE _strata_archive_<tag>_t_c
//     (PRIMARY KEY (k)) SELECT k, c FROM t;
//   - a CREATE TABLE t or ADD COLUMN t.c whose definition equals a kept
//     archive's becomes RENAME TABLE archive TO t plus its foreign keys, or is
//     followed by UPDATE t JOIN archive ... and DROP TABLE archive.
//
// Each is recorded in the landlord before its first statement runs (state
// archiving or restoring) and after its last (kept or restored); a crash in
// between leaves a record that the next apply settles (settleArchives).
//
// Planning is here (which statements), archive_keep.go and archive_restore.go
// (their rewrites) and archive_ddl.go (the table definitions they compare);
// archive_apply.go records them as apply runs them, archive_purge.go drops
// what expired.

// archiveSteps rewrites p's approved drops and restorable creations with
// their archive statements. It reads the live database and the landlord, and
// changes nothing. A tenant being created has nothing to archive or restore.
func (r *Reconciler) archiveSteps(ctx context.Context, s *server, t *spec.Tenant, desired *layers.Desired, live *liveState, p *planned) error {
	if len(p.Statements) == 0 || p.Action == planner.ActionCreate {
		return nil
	}
	var drops, adds bool
	for _, st := range p.Statements {
		if !runnable(st) {
			continue
		}
		if _, ok := dropTarget(st); ok {
			drops = true
		}
		if _, ok := addTarget(st); ok {
			adds = true
		}
	}
	if !drops && (!adds || !live.hasArchives(ctx, r.store, t.Name)) {
		return nil
	}
	a := &archivePlanner{r: r, s: s, t: t, desired: desired}
	var err error
	if a.records, err = r.tenantArchives(ctx, t.Name); err != nil {
		return err
	}
	if a.live, err = archiveTables(ctx, s.db, t.Database); err != nil {
		return err
	}
	out := make([]planner.Statement, 0, len(p.Statements)+4)
	for _, st := range p.Statements {
		var steps []planner.Statement
		if tg, ok := dropTarget(st); ok && runnable(st) {
			steps, err = a.keep(ctx, st, tg, out)
		} else if tg, ok := addTarget(st); ok && runnable(st) {
			steps, err = a.restore(ctx, st, tg)
		} else {
			steps = []planner.Statement{st}
		}
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		out = append(out, steps...)
	}
	p.Statements = out
	return nil
}

// runnable reports whether apply runs st (not blocked, not withheld).
func runnable(st planner.Statement) bool { return !st.Blocked && st.Withheld == "" }

// target is the table, or the table's column, a statement drops or creates.
type target struct{ table, column string }

func (t target) object() string {
	if t.column == "" {
		return t.table
	}
	return t.table + "." + t.column
}

func (t target) kind() string {
	if t.column == "" {
		return landlord.ArchiveTable
	}
	return landlord.ArchiveColumn
}

// dropTarget returns what st drops when it is exactly a DROP TABLE or an
// ALTER TABLE ... DROP COLUMN.
func dropTarget(st planner.Statement) (target, bool) {
	if tbl, ok := strings.CutPrefix(st.Approval, "DROP TABLE "); ok && st.SQL == "DROP TABLE "+ident.Quote(tbl) {
		return target{table: tbl}, true
	}
	if obj, ok := strings.CutPrefix(st.Approval, "DROP COLUMN "); ok {
		tbl, col, _ := strings.Cut(obj, ".")
		if st.SQL == "ALTER TABLE "+ident.Quote(tbl)+" DROP COLUMN "+ident.Quote(col) {
			return target{tbl, col}, true
		}
	}
	return target{}, false
}

// addTarget returns what st creates when it is a CREATE TABLE or an ALTER
// TABLE that adds one column and nothing else.
func addTarget(st planner.Statement) (target, bool) {
	if len(st.Objects) == 0 {
		return target{}, false
	}
	o := st.Objects[0]
	switch {
	case o.Kind == planner.ObjectTable && strings.HasPrefix(st.SQL, "CREATE TABLE "+ident.Quote(o.Table)+" ("):
		return target{table: o.Table}, true
	case o.Kind == planner.ObjectColumn && len(st.Objects) == 1 &&
		strings.HasPrefix(st.SQL, "ALTER TABLE "+ident.Quote(o.Table)+" ADD COLUMN "+ident.Quote(o.Name)+" ") &&
		!strings.Contains(st.SQL, ", ADD ") && !strings.Contains(st.SQL, ", DROP ") && !strings.Contains(st.SQL, ", MODIFY "):
		return target{o.Table, o.Name}, true
	}
	return target{}, false
}

// tenantArchives returns the tenant's archives that are kept or whose
// archive or restore is in progress; none when the landlord does not
// exist yet (strata plan before a first apply).
func (r *Reconciler) tenantArchives(ctx context.Context, tenant string) ([]landlord.Archive, error) {
	recs, err := r.store.Archives(ctx, landlord.ArchiveFilter{Tenant: tenant, States: []string{landlord.ArchiveKept, landlord.ArchiveArchiving, landlord.ArchiveRestoring}})
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049) { // no such table or database
		return nil, nil
	}
	return recs, err
}

// planFailed is tp failed with err: its archive steps could not be planned
// (the live database or the landlord did not answer).
func planFailed(tp planner.TenantPlan, err error) planner.TenantPlan {
	tp.Action, tp.Statements = planner.ActionFailed, []planner.Statement{}
	tp.Error, tp.Err = err.Error(), err
	return tp
}
