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

// File is a rendered seed file to run, with its marker.
type File struct {
	Marker
	Rendered []spec.Statement // Marker.Statements of them
}

// Run runs rendered seed files and writes their markers in one transaction
// on db (the tenant's migrator, whose session reads backslash escapes as
// Quote's literals require): the data and the record that it was written
// commit together or not at all, one commit for all of an apply's seed
// files. The marker table must exist (EnsureTable).
func Run(ctx context.Context, db *sql.DB, files []File) error {
	if len(files) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed %s: %w", files[0].Path, err)
	}
	defer tx.Rollback() // after Commit, a no-op
	undone := "the seed file was rolled back"
	if len(files) > 1 {
		undone = fmt.Sprintf("the %d seed files of this apply were rolled back", len(files))
	}
	q := "INSERT INTO " + ident.Quote(spec.SeedsTable) + " (path, layer, checksum, statements, ran_at) VALUES "
	var args []any
	for i, f := range files {
		for _, st := range f.Rendered {
			if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
				return fmt.Errorf("%s:%d: %w (%s; fix it and apply again)", f.Path, st.Line, err, undone)
			}
		}
		if i > 0 {
			q += ", "
		}
		q += "(?, ?, ?, ?, UTC_TIMESTAMP(6))"
		args = append(args, f.Path, f.Layer, f.Checksum, f.Marker.Statements)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("seed %s: mark it run: %w", files[0].Path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed %s: commit: %w", files[0].Path, err)
	}
	return nil
}
