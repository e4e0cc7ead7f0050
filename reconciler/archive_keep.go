package reconciler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// archivePlanner plans one tenant's archive statements.
type archivePlanner struct {
	r       *Reconciler
	s       *server
	t       *spec.Tenant
	desired *layers.Desired
	records []landlord.Archive // the tenant's kept, archiving and restoring archives
	live    map[string]bool    // archive tables in the tenant's database
}

// keep returns the statements that archive what st drops, then drop it;
// with retention 0, st alone with the size it loses.
// before are the plan's statements that run first: a foreign key they drop
// is not dropped again.
func (a *archivePlanner) keep(ctx context.Context, st planner.Statement, tg target, before []planner.Statement) ([]planner.Statement, error) {
	ddl, err := showCreate(ctx, a.s.db, a.t.Database, tg.table)
	if err != nil {
		return nil, err
	}
	def := parseCreate(ddl)
	step := &planner.ArchiveStep{Op: planner.ArchiveKeep, Kind: tg.kind(), Object: tg.object(), Approval: st.Approval, Retention: a.t.ArchiveRetention,
		First: true, Last: true, Replaces: st.SQL}
	q := ident.Quote(a.t.Database) + "." + ident.Quote(tg.table)
	if tg.column == "" {
		step.Definition = ddl
		if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q).Scan(&step.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", tg.table, err)
		}
		step.Values = step.Rows
		if err := a.s.db.QueryRowContext(ctx, "SELECT COALESCE(data_length + index_length, 0) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", a.t.Database, tg.table).Scan(&step.Bytes); err != nil {
			return nil, fmt.Errorf("size of %s: %w", tg.table, err)
		}
		if a.t.ArchiveRetention == 0 {
			return notArchived(st, step, fmt.Sprintf("not archived (archive.retention is 0): the drop loses %s rows (%s) of table %s", count(step.Rows), planner.FormatBytes(step.Bytes), tg.table)), nil
		}
		step.Table = a.name(st.Approval, tg)
		step.Note = fmt.Sprintf("archives table %s (%s rows, %s) as %s, kept %s: this RENAME is the drop", tg.table, count(step.Rows), planner.FormatBytes(step.Bytes), step.Table, retentionText(step.Retention))
		var out []planner.Statement
		var drops []string
		for _, fk := range def.foreignKeys {
			if !dropsForeignKey(before, tg.table, fk.name) {
				drops = append(drops, "DROP FOREIGN KEY "+ident.Quote(fk.name))
			}
		}
		if len(drops) > 0 {
			first := *step
			first.Last, first.Replaces = false, ""
			first.Note = fmt.Sprintf("archives table %s: its foreign keys go first, so its archive constrains nothing (a cascade would delete archived rows)", tg.table)
			step.First = false
			out = append(out, planner.Statement{SQL: "ALTER TABLE " + ident.Quote(tg.table) + " " + strings.Join(drops, ", "), Kind: st.Kind, Approval: st.Approval, Codes: st.Codes, Archive: &first})
		}
		rename := st
		rename.SQL = "RENAME TABLE " + ident.Quote(tg.table) + " TO " + ident.Quote(step.Table)
		rename.Archive = step
		return append(out, rename), nil
	}
	line, ok := def.columns[tg.column]
	if !ok {
		return nil, fmt.Errorf("column %s not found in SHOW CREATE TABLE", tg.object())
	}
	qc := ident.Quote(tg.column)
	if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT("+qc+"), COALESCE(SUM(LENGTH("+qc+")), 0) FROM "+q).Scan(&step.Rows, &step.Values, &step.Bytes); err != nil {
		return nil, fmt.Errorf("count %s: %w", tg.object(), err)
	}
	loses := fmt.Sprintf("the drop loses %s values (%s) of %s", count(step.Values), planner.FormatBytes(step.Bytes), tg.object())
	switch {
	case a.t.ArchiveRetention == 0:
		return notArchived(st, step, "not archived (archive.retention is 0): "+loses), nil
	case len(def.primaryKey) == 0:
		return notArchived(st, step, fmt.Sprintf("not archived (%s has no primary key to restore the values by): %s", tg.table, loses)), nil
	case generated.MatchString(line):
		return notArchived(st, step, "not archived: a generated column's values are derived from other columns"), nil
	case slices.Contains(def.primaryKey, tg.column):
		return notArchived(st, step, "not archived (the column is part of the primary key): "+loses), nil
	}
	step.Definition, step.KeyColumns = line, def.primaryKey
	step.Table = a.name(st.Approval, tg)
	step.Last, step.Replaces = false, ""
	step.Note = fmt.Sprintf("archives %s (%s values in %s rows, %s) with the primary key of %s into %s, kept %s, before the drop",
		tg.object(), count(step.Values), count(step.Rows), planner.FormatBytes(step.Bytes), tg.table, step.Table, retentionText(step.Retention))
	keys := quoteAll(def.primaryKey)
	cp := planner.Statement{
		SQL: "CREATE OR REPLACE TABLE " + ident.Quote(step.Table) + " (PRIMARY KEY (" + strings.Join(keys, ", ") + ")) SELECT " +
			strings.Join(keys, ", ") + ", " + qc + " FROM " + ident.Quote(tg.table),
		Kind: planner.Additive, Archive: step,
	}
	drop := st
	last := *step
	last.First, last.Last, last.Replaces = false, true, st.SQL
	last.Note = fmt.Sprintf("drops %s: its values are kept in %s", tg.object(), step.Table)
	drop.Archive = &last
	return []planner.Statement{cp, drop}, nil
}

// dropsForeignKey reports whether one of stmts drops table's foreign key
// name (a cycle of foreign keys is dropped before its tables).
func dropsForeignKey(stmts []planner.Statement, table, name string) bool {
	for _, st := range stmts {
		if strings.HasPrefix(st.SQL, "ALTER TABLE "+ident.Quote(table)+" ") && strings.Contains(st.SQL, "DROP FOREIGN KEY "+ident.Quote(name)) {
			return true
		}
	}
	return false
}

// generated matches a generated column's definition line.
var generated = regexp.MustCompile(` (GENERATED ALWAYS )?AS \(.*\) (VIRTUAL|STORED|PERSISTENT)`)

// notArchived is st with its measured size and a note saying why its data
// is not kept.
func notArchived(st planner.Statement, size *planner.ArchiveStep, why string) []planner.Statement {
	st.Archive = &planner.ArchiveStep{Kind: size.Kind, Object: size.Object, Rows: size.Rows, Values: size.Values, Bytes: size.Bytes, Note: why, Replaces: st.SQL}
	return []planner.Statement{st}
}

// name returns a fresh archive table name for tg: strata's prefix, a tag
// from the desired schema and the approval (so the plan a reviewer saw and
// the apply, and a retry after a crash, name it alike), then the object,
// cut to MariaDB's 64 characters. A name in use by an archive that is not
// this one's interrupted attempt gets another tag.
func (a *archivePlanner) name(approval string, tg target) string {
	for n := 0; ; n++ {
		h := sha256.Sum256([]byte(a.t.LayerHash() + "\x00" + approval + "\x00" + strconv.Itoa(n)))
		name := spec.ArchivePrefix + hex.EncodeToString(h[:4]) + "_" + tg.table
		if tg.column != "" {
			name += "_" + tg.column
		}
		if r := []rune(name); len(r) > 64 {
			name = string(r[:64])
		}
		if !a.live[strings.ToLower(name)] || a.retrying(name) {
			return name
		}
	}
}

// retrying reports whether name is an archive still recorded archiving (a
// crashed attempt at the same drop, to be completed, not duplicated).
func (a *archivePlanner) retrying(name string) bool {
	for _, rec := range a.records {
		if rec.State == landlord.ArchiveArchiving && strings.EqualFold(rec.Table, name) {
			return true
		}
	}
	return false
}
