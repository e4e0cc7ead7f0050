package reconciler

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
			return notArchived(st, step, fmt.Sprintf("not archived (archive.retention is 0): the drop loses %s rows (%s) of table %s", count(step.Rows), bytesText(step.Bytes), tg.table)), nil
		}
		step.Table = a.name(st.Approval, tg)
		step.Note = fmt.Sprintf("archives table %s (%s rows, %s) as %s, kept %s: this RENAME is the drop", tg.table, count(step.Rows), bytesText(step.Bytes), step.Table, retentionText(step.Retention))
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
	loses := fmt.Sprintf("the drop loses %s values (%s) of %s", count(step.Values), bytesText(step.Bytes), tg.object())
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
		tg.object(), count(step.Values), count(step.Rows), bytesText(step.Bytes), tg.table, step.Table, retentionText(step.Retention))
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

// restore returns st followed (a column) or replaced (a table) by the
// statements that restore a kept archive of the same definition; st alone
// when there is none.
func (a *archivePlanner) restore(ctx context.Context, st planner.Statement, tg target) ([]planner.Statement, error) {
	want, ok := desiredTable(a.desired, tg.table)
	if !ok {
		return []planner.Statement{st}, nil
	}
	wdef := parseCreate(want)
	var rec *landlord.Archive
	for i := len(a.records) - 1; i >= 0; i-- { // newest first
		c := &a.records[i]
		if c.State != landlord.ArchiveKept || c.Kind != tg.kind() || c.Object != tg.object() || !a.live[strings.ToLower(c.Table)] {
			continue
		}
		if tg.column == "" && sameTable(c.Definition, want) ||
			tg.column != "" && wdef.columns[tg.column] == c.Definition && slicesEqual(wdef.primaryKey, c.KeyColumns) {
			rec = c
			break
		}
	}
	if rec == nil {
		return []planner.Statement{st}, nil
	}
	step := &planner.ArchiveStep{Op: planner.ArchiveRestore, Kind: rec.Kind, Object: rec.Object, Table: rec.Table, ID: rec.ID, First: true}
	aq := ident.Quote(a.t.Database) + "." + ident.Quote(rec.Table)
	if tg.column == "" {
		if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+aq).Scan(&step.Rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", rec.Table, err)
		}
		step.Values = step.Rows
		step.Note = fmt.Sprintf("restores table %s (%s rows) from the archive of run %d%s instead of creating it empty", tg.table, count(step.Rows), rec.RunID, commitText(rec.Commit))
		step.Replaces = st.SQL
		rename := st
		rename.SQL = "RENAME TABLE " + ident.Quote(rec.Table) + " TO " + ident.Quote(tg.table)
		rename.Kind, rename.Codes = planner.Additive, nil
		rename.Archive = step
		out := []planner.Statement{rename}
		if len(wdef.foreignKeys) == 0 {
			step.Last = true
			return out, nil
		}
		adds := make([]string, len(wdef.foreignKeys))
		for i, fk := range wdef.foreignKeys {
			adds[i] = "ADD " + fk.line
		}
		last := *step
		last.First, last.Last, last.Replaces = false, true, ""
		last.Note = fmt.Sprintf("restores table %s: its foreign keys as declared, not checked against the restored rows (they held when it was archived)", tg.table)
		return append(out, planner.Statement{
			SQL:  "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE " + ident.Quote(tg.table) + " " + strings.Join(adds, ", "),
			Kind: planner.Additive, Archive: &last,
		}), nil
	}
	qc := ident.Quote(tg.column)
	if err := a.s.db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT("+qc+") FROM "+aq).Scan(&step.Rows, &step.Values); err != nil {
		return nil, fmt.Errorf("count %s: %w", rec.Table, err)
	}
	step.Note = fmt.Sprintf("restores %s values of %s from the archive of run %d%s", count(step.Values), tg.object(), rec.RunID, commitText(rec.Commit))
	step.Replaces = st.SQL
	add := st
	add.Archive = step
	upd := *step
	upd.First, upd.Replaces = false, ""
	last := *step
	last.First, last.Last, last.Replaces = false, true, ""
	last.Note = fmt.Sprintf("restores %s: the archive's values are back, it is dropped", tg.object())
	return []planner.Statement{add,
		{SQL: restoreUpdate(tg, rec.Table, rec.KeyColumns), Kind: planner.Additive, Archive: &upd},
		{SQL: "DROP TABLE " + ident.Quote(rec.Table), Kind: planner.Additive, Archive: &last},
	}, nil
}

// restoreUpdate is the UPDATE that copies an archived column's values back
// by primary key.
func restoreUpdate(tg target, archive string, keys []string) string {
	t, a := ident.Quote(tg.table), ident.Quote(archive)
	on := make([]string, len(keys))
	for i, k := range keys {
		on[i] = t + "." + ident.Quote(k) + " = " + a + "." + ident.Quote(k)
	}
	c := ident.Quote(tg.column)
	return "UPDATE " + t + " JOIN " + a + " ON " + strings.Join(on, " AND ") + " SET " + t + "." + c + " = " + a + "." + c
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

// archiveTables returns the archive tables in database, lower-cased.
func archiveTables(ctx context.Context, db *sql.DB, database string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?", database, spec.ArchiveLike)
	if err != nil {
		return nil, fmt.Errorf("archive tables of %s: %w", database, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("archive tables of %s: %w", database, err)
		}
		out[strings.ToLower(n)] = true
	}
	return out, rows.Err()
}

// showCreate returns SHOW CREATE TABLE of database.table without its
// AUTO_INCREMENT counter.
func showCreate(ctx context.Context, db *sql.DB, database, table string) (string, error) {
	var name, ddl string
	if err := db.QueryRowContext(ctx, "SHOW CREATE TABLE "+ident.Quote(database)+"."+ident.Quote(table)).Scan(&name, &ddl); err != nil {
		return "", fmt.Errorf("show create table %s: %w", table, err)
	}
	return autoIncrement.ReplaceAllString(ddl, ""), nil
}

var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// desiredTable returns table's CREATE TABLE from the desired snapshot DDL.
func desiredTable(d *layers.Desired, table string) (string, bool) {
	if d == nil || d.Snapshot == nil {
		return "", false
	}
	head := "CREATE TABLE " + ident.Quote(table) + " (\n"
	for _, block := range strings.Split(d.Snapshot.DDL, ";\n\n") {
		if strings.HasPrefix(block, head) {
			return block, true
		}
	}
	return "", false
}

// sameTable reports whether two SHOW CREATE TABLE texts define the same
// table, foreign keys aside: a restore adds them as declared.
func sameTable(a, b string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.TrimSuffix(autoIncrement.ReplaceAllString(s, ""), ";"), "\n")
		out := lines[:0]
		for _, l := range lines {
			if !fkLine.MatchString(strings.TrimPrefix(l, "  ")) {
				out = append(out, strings.TrimSuffix(l, ","))
			}
		}
		return strings.Join(out, "\n")
	}
	return norm(a) == norm(b)
}

// createDef is what archives need of a SHOW CREATE TABLE text.
type createDef struct {
	columns     map[string]string // name -> its line, without the trailing comma
	primaryKey  []string
	foreignKeys []struct{ name, line string }
}

var (
	pkLine = regexp.MustCompile("^PRIMARY KEY \\((.*)\\)$")
	fkLine = regexp.MustCompile("^CONSTRAINT (`(?:[^`]|``)*`) FOREIGN KEY ")
)

// parseCreate reads the column, primary key and foreign key lines of a SHOW
// CREATE TABLE text (one element a line, indented two spaces).
func parseCreate(ddl string) createDef {
	d := createDef{columns: map[string]string{}}
	for _, l := range strings.Split(ddl, "\n") {
		if !strings.HasPrefix(l, "  ") {
			continue
		}
		l = strings.TrimSuffix(strings.TrimPrefix(l, "  "), ",")
		switch {
		case strings.HasPrefix(l, "`"):
			if name, rest, ok := unquoteIdent(l); ok && strings.HasPrefix(rest, " ") {
				d.columns[name] = l
			}
		case pkLine.MatchString(l):
			for _, part := range splitIdents(pkLine.FindStringSubmatch(l)[1]) {
				d.primaryKey = append(d.primaryKey, part)
			}
		case fkLine.MatchString(l):
			n, _, _ := unquoteIdent(fkLine.FindStringSubmatch(l)[1])
			d.foreignKeys = append(d.foreignKeys, struct{ name, line string }{n, l})
		}
	}
	return d
}

// unquoteIdent reads the backquoted identifier s starts with.
func unquoteIdent(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, "`") {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '`' {
			if i+1 < len(s) && s[i+1] == '`' {
				b.WriteByte('`')
				i++
				continue
			}
			return b.String(), s[i+1:], true
		}
		b.WriteByte(s[i])
	}
	return "", s, false
}

// splitIdents reads "`a`,`b`" (a key's column list without prefix lengths).
func splitIdents(s string) []string {
	var out []string
	for s != "" {
		name, rest, ok := unquoteIdent(strings.TrimLeft(s, ", "))
		if !ok {
			break
		}
		out = append(out, name)
		s = rest
	}
	return out
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ident.Quote(n)
	}
	return out
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// count writes n with thousands separators: 1,204.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// bytesText writes a size in B, KB, MB or GB (1024-based).
func bytesText(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// retentionText writes a retention as the config does: 7d, 36h, 90m.
func retentionText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func commitText(c string) string {
	if c == "" {
		return ""
	}
	if len(c) > 7 {
		c = c[:7]
	}
	return " (commit " + c + ")"
}

// planFailed is tp failed with err: its archive steps could not be planned
// (the live database or the landlord did not answer).
func planFailed(tp planner.TenantPlan, err error) planner.TenantPlan {
	tp.Action, tp.Statements = planner.ActionFailed, []planner.Statement{}
	tp.Error, tp.Err = err.Error(), err
	return tp
}
