package layers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/stratadb/strata/spec"
)

// allowed are the statements a layer may hold: DDL on tables and indexes of
// its own database. Anything else (USE, DROP DATABASE, GRANT, views,
// triggers, sequences, data changes) could reach past the scratch database
// or is something Atlas cannot inspect; seed data belongs in seed/.
var allowed = regexp.MustCompile(`(?is)^\s*(` +
	`CREATE\s+(OR\s+REPLACE\s+)?(TEMPORARY\s+)?TABLE\b|` +
	`ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE\b|` +
	`CREATE\s+(OR\s+REPLACE\s+)?(ONLINE\s+|OFFLINE\s+)?(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b|` +
	`DROP\s+(TEMPORARY\s+)?TABLE\b|DROP\s+INDEX\b|RENAME\s+TABLE\b|` +
	`SET\s+(SESSION\s+)?(foreign_key_checks|unique_checks|sql_mode|names)\b)`)

// unsupportedText are column and table features Atlas v1.2.3 inspects
// wrongly or not at all (DESIGN.md, known limits).
var unsupportedText = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`(?i)\bINVISIBLE\b`), "INVISIBLE columns"},
	{regexp.MustCompile(`(?i)\bSYSTEM\s+VERSIONING\b`), "system-versioned tables"},
	{regexp.MustCompile(`(?i)\bZEROFILL\b`), "ZEROFILL"},
	{regexp.MustCompile(`(?i)\b(FLOAT|DOUBLE|REAL)\s*\(\s*\d+\s*,\s*\d+\s*\)`), "FLOAT(M,D)/DOUBLE(M,D)"},
}

// errNotAllowed wraps every statement strata refuses to run.
var errNotAllowed = errors.New("statement not allowed in a layer")

// checkStatement refuses statements outside the layer DDL subset before they
// reach the dev server, and what spec.CheckLayerSafety refuses in untrusted
// SQL (reading data or server state, writing outside the data directory).
func checkStatement(stmt string) error {
	body := stripComments(stmt)
	if !allowed.MatchString(body) {
		return fmt.Errorf("%w: only CREATE/ALTER/DROP/RENAME TABLE and CREATE/DROP INDEX are allowed (views, triggers, sequences, USE and database statements are not; data belongs in seed/*.sql)", errNotAllowed)
	}
	for _, u := range unsupportedText {
		if u.re.MatchString(body) {
			return fmt.Errorf("%w: %s are not supported (Atlas cannot inspect them correctly); use a plain column type instead", errNotAllowed, u.what)
		}
	}
	var se *spec.SQLError
	if err := spec.CheckLayerSafety(stmt); errors.As(err, &se) {
		return fmt.Errorf("%w: %s (%s)", errNotAllowed, se.Msg, se.Hint)
	} else if err != nil {
		return fmt.Errorf("%w: %w", errNotAllowed, err)
	}
	return nil
}

// stripComments removes leading -- and /* */ comments so the first keyword
// is found.
func stripComments(s string) string {
	for {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "--") || strings.HasPrefix(s, "#"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*") && !strings.HasPrefix(s, "/*!"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// checkUnsupported is the safety net after the layers ran: it looks for
// objects Atlas cannot inspect that a statement created in a way the text
// checks missed (for example a version comment), and names the file that
// mentions the object.
func checkUnsupported(ctx context.Context, conn *sql.Conn, db string, layers []*spec.Layer) error {
	const q = `
SELECT 'table', TABLE_NAME, '' FROM INFORMATION_SCHEMA.TABLES
 WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'BASE TABLE'
UNION ALL
SELECT 'trigger', EVENT_OBJECT_TABLE, TRIGGER_NAME FROM INFORMATION_SCHEMA.TRIGGERS WHERE TRIGGER_SCHEMA = ?
UNION ALL
SELECT 'column', TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS
 WHERE TABLE_SCHEMA = ? AND (EXTRA LIKE '%INVISIBLE%' OR COLUMN_TYPE LIKE '%zerofill%'
  OR COLUMN_TYPE REGEXP '^(float|double)\\([0-9]+,[0-9]+\\)')`
	rows, err := conn.QueryContext(ctx, q, db, db, db)
	if err != nil {
		return fmt.Errorf("layers: check composition: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("layers: check composition: %w", err)
		}
		return nil
	}
	var kind, table, name string
	if err := rows.Scan(&kind, &table, &name); err != nil {
		return fmt.Errorf("layers: check composition: %w", err)
	}
	what := fmt.Sprintf("%s %s", kind, table)
	if name != "" {
		what += "." + name
	}
	path, line := mention(layers, table)
	err = fmt.Errorf("%w: %s is a view, sequence, trigger, INVISIBLE, ZEROFILL or FLOAT(M,D) object, which Atlas cannot inspect correctly; use plain tables and column types", errNotAllowed, what)
	if path == "" {
		return fmt.Errorf("layers: %w", err)
	}
	return &StatementError{Path: path, Line: line, SQL: "(the statement that creates " + table + ")", Err: err}
}

// mention returns the last statement position that mentions name.
func mention(layers []*spec.Layer, name string) (string, int) {
	var path string
	var line int
	n := strings.ToLower(name)
	for _, l := range layers {
		for _, f := range l.Files {
			for _, st := range f.Statements {
				if strings.Contains(strings.ToLower(st.SQL), n) {
					path, line = f.Path, st.Line
				}
			}
		}
	}
	return path, line
}
