package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// Marker is the row a seed file leaves in the tenant's spec.SeedsTable, in
// the seed's own transaction: the seed ran if and only if its marker exists.
type Marker struct {
	Path       string // repo-relative seed file
	Layer      string // spec.Layer.ID
	Checksum   string // hex SHA-256 of the file as it ran
	Statements int
}

// markerDDL creates the marker table; its primary key makes a second run of
// the same file fail and roll back whole.
var markerDDL = "CREATE TABLE IF NOT EXISTS " + ident.Quote(spec.SeedsTable) + ` (
  path VARCHAR(255) NOT NULL,
  layer VARCHAR(191) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  statements INT NOT NULL,
  ran_at DATETIME(6) NOT NULL,
  PRIMARY KEY (path)
) ENGINE=InnoDB COMMENT='strata: seed files that ran here; do not edit'`

// errNoSuchTable is MariaDB's ER_NO_SUCH_TABLE.
const errNoSuchTable = 1146

// Markers returns the markers in the database db is connected to, by path;
// none when no seed ever ran there.
func Markers(ctx context.Context, db *sql.DB) (map[string]Marker, error) {
	rows, err := db.QueryContext(ctx, "SELECT path, layer, checksum, statements FROM "+ident.Quote(spec.SeedsTable))
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == errNoSuchTable {
		return map[string]Marker{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("seed: read %s: %w", spec.SeedsTable, err)
	}
	defer rows.Close()
	out := map[string]Marker{}
	for rows.Next() {
		var m Marker
		if err := rows.Scan(&m.Path, &m.Layer, &m.Checksum, &m.Statements); err != nil {
			return nil, fmt.Errorf("seed: read %s: %w", spec.SeedsTable, err)
		}
		out[m.Path] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seed: read %s: %w", spec.SeedsTable, err)
	}
	return out, nil
}

// EnsureTable creates the marker table in the database db is connected to
// when it does not exist yet. Run needs it; call it once per database
// (Markers finds it empty or missing), not once per seed file.
func EnsureTable(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, markerDDL); err != nil {
		return fmt.Errorf("seed: create %s: %w", spec.SeedsTable, err)
	}
	return nil
}

// Run runs a rendered seed file's statements and writes its marker in one
// transaction on db (the tenant's migrator, whose session reads backslash
// escapes as Quote's literals require): the data and the record that it was
// written commit together or not at all. The marker table must exist
// (EnsureTable).
func Run(ctx context.Context, db *sql.DB, m Marker, stmts []spec.Statement) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed %s: %w", m.Path, err)
	}
	defer tx.Rollback() // after Commit, a no-op
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("%s:%d: %w (the seed file was rolled back; fix it and apply again)", m.Path, st.Line, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+ident.Quote(spec.SeedsTable)+
		" (path, layer, checksum, statements, ran_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))",
		m.Path, m.Layer, m.Checksum, m.Statements); err != nil {
		return fmt.Errorf("seed %s: mark it run: %w", m.Path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed %s: commit: %w", m.Path, err)
	}
	return nil
}
