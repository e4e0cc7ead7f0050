package layers

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// atlasFKsQuery is Atlas v1.2.3's foreign-key inspection query (fksQuery in
// sql/mysql/inspect.go), with %s where Atlas puts one "?" per table. Its
// BINARY comparisons and its join on the constraint name alone make MariaDB
// open every database on the server, so inspecting one tenant costs time in
// proportion to the whole fleet. TestFKRewriteMatchesAtlas fails when a new
// Atlas version changes the text.
const atlasFKsQuery = `
SELECT
	t1.CONSTRAINT_NAME,
	t1.TABLE_NAME,
	t1.COLUMN_NAME,
	t1.TABLE_SCHEMA,
	t1.REFERENCED_TABLE_NAME,
	t1.REFERENCED_COLUMN_NAME,
	t1.REFERENCED_TABLE_SCHEMA,
	t2.UPDATE_RULE,
	t2.DELETE_RULE
FROM
	INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS t1
	JOIN INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS AS t2
	ON t1.CONSTRAINT_NAME = t2.CONSTRAINT_NAME
WHERE
	t1.REFERENCED_COLUMN_NAME IS NOT NULL
	AND BINARY t1.TABLE_SCHEMA = ?
	AND BINARY t2.CONSTRAINT_SCHEMA = ?
	AND t1.TABLE_NAME IN (%s)
ORDER BY
	BINARY t1.TABLE_NAME,
	BINARY t1.CONSTRAINT_NAME,
	t1.ORDINAL_POSITION`

// fksQuery returns the same rows as atlasFKsQuery, but every
// information_schema table is filtered by plain equality on the schema and
// table names, which MariaDB turns into a lookup of one database ("Scanned 1
// database" in EXPLAIN). The BINARY comparisons stay as filters for
// case-sensitive names. Arguments: schema four times, then the table names
// twice.
const fksQuery = `
SELECT
	t1.CONSTRAINT_NAME,
	t1.TABLE_NAME,
	t1.COLUMN_NAME,
	t1.TABLE_SCHEMA,
	t1.REFERENCED_TABLE_NAME,
	t1.REFERENCED_COLUMN_NAME,
	t1.REFERENCED_TABLE_SCHEMA,
	t2.UPDATE_RULE,
	t2.DELETE_RULE
FROM
	INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS t1
	JOIN INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS AS t2
	ON t1.CONSTRAINT_NAME = t2.CONSTRAINT_NAME
	AND t1.TABLE_NAME = t2.TABLE_NAME
WHERE
	t1.REFERENCED_COLUMN_NAME IS NOT NULL
	AND t1.TABLE_SCHEMA = ?
	AND BINARY t1.TABLE_SCHEMA = ?
	AND t2.CONSTRAINT_SCHEMA = ?
	AND BINARY t2.CONSTRAINT_SCHEMA = ?
	AND t1.TABLE_NAME IN (%[1]s)
	AND t2.TABLE_NAME IN (%[1]s)
ORDER BY
	BINARY t1.TABLE_NAME,
	BINARY t1.CONSTRAINT_NAME,
	t1.ORDINAL_POSITION`

// Driver is an Atlas MySQL driver whose foreign-key inspection query is
// rewritten for MariaDB servers with many databases. Open one per server and
// share it: it is safe for concurrent use.
type Driver struct {
	migrate.Driver
	fk *fkRewriter
}

// Rewrites reports how many foreign-key queries were rewritten so far.
func (d *Driver) Rewrites() int64 { return d.fk.rewrites.Load() }

// OpenDriver opens an Atlas driver on db. It queries the server version once.
func OpenDriver(ctx context.Context, db *sql.DB) (*Driver, error) {
	// mysql.Open queries the server without a context; ping first so a dead
	// server or a cancelled ctx fails fast.
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("layers: connect: %w", err)
	}
	fk := &fkRewriter{ExecQuerier: db}
	drv, err := mysql.Open(fk)
	if err != nil {
		return nil, fmt.Errorf("layers: open atlas driver: %w", err)
	}
	return &Driver{Driver: drv, fk: fk}, nil
}

// fkRewriter replaces Atlas's foreign-key query with fksQuery and passes
// every other query through.
type fkRewriter struct {
	schema.ExecQuerier
	rewrites atomic.Int64
}

var (
	fksPrefix, fksSuffix, _ = strings.Cut(atlasFKsQuery, "%s")
)

func (r *fkRewriter) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q, a, ok := rewriteFKs(query, args); ok {
		r.rewrites.Add(1)
		return r.ExecQuerier.QueryContext(ctx, q, a...)
	}
	return r.ExecQuerier.QueryContext(ctx, query, args...)
}

// rewriteFKs returns fksQuery and its arguments when query is Atlas's
// foreign-key query with its arguments (schema, schema, tables...).
func rewriteFKs(query string, args []any) (string, []any, bool) {
	if !strings.HasPrefix(query, fksPrefix) || !strings.HasSuffix(query, fksSuffix) || len(args) < 3 {
		return "", nil, false
	}
	tables := args[2:]
	marks := query[len(fksPrefix) : len(query)-len(fksSuffix)]
	if strings.Count(marks, "?") != len(tables) {
		return "", nil, false
	}
	s := args[0]
	a := make([]any, 0, 4+2*len(tables))
	a = append(a, s, s, s, s)
	a = append(a, tables...)
	a = append(a, tables...)
	return fmt.Sprintf(fksQuery, marks), a, true
}
