package reconciler

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

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
			if name, rest, ok := ident.Unquote(l); ok && strings.HasPrefix(rest, " ") {
				d.columns[name] = l
			}
		case pkLine.MatchString(l):
			for _, part := range splitIdents(pkLine.FindStringSubmatch(l)[1]) {
				d.primaryKey = append(d.primaryKey, part)
			}
		case fkLine.MatchString(l):
			n, _, _ := ident.Unquote(fkLine.FindStringSubmatch(l)[1])
			d.foreignKeys = append(d.foreignKeys, struct{ name, line string }{n, l})
		}
	}
	return d
}

// splitIdents reads "`a`,`b`" (a key's column list without prefix lengths).
func splitIdents(s string) []string {
	var out []string
	for s != "" {
		name, rest, ok := ident.Unquote(strings.TrimLeft(s, ", "))
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
