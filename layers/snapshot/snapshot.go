// Package snapshot captures a tenant database's live schema as canonical DDL
// with a hash and counts, the record drift detection compares against.
package snapshot

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// Schema is a database's schema at one moment.
type Schema struct {
	Hash        string // hex SHA-256 of DDL
	Tables      int
	Indexes     int // the primary key counts as an index
	ForeignKeys int
	DDL         string // SHOW CREATE TABLE of every base table, by name, AUTO_INCREMENT counters removed
}

// withoutCounter is a SHOW CREATE TABLE without its AUTO_INCREMENT counter,
// the table option that changes with data, not schema. SHOW CREATE TABLE
// prints it right after the engine, on the line that closes the columns:
// ") ENGINE=InnoDB AUTO_INCREMENT=42 ..."; the same text elsewhere (in a
// comment) is left alone. A scan, not a regular expression: every read of
// a tenant's definitions passes each table through it.
func withoutCounter(ddl string) string {
	const closing, counter = ") ENGINE=", " AUTO_INCREMENT="
	var b strings.Builder
	kept := 0 // ddl[:kept] is in b
	for i := 0; ; {
		j := strings.Index(ddl[i:], closing)
		if j < 0 {
			break
		}
		j += i
		i = j + len(closing)
		if j > 0 && ddl[j-1] != '\n' {
			continue
		}
		nameEnd := i // of the engine's name
		for nameEnd < len(ddl) && !strings.ContainsRune(" \t\n\f\r", rune(ddl[nameEnd])) {
			nameEnd++
		}
		digits := nameEnd + len(counter)
		end := digits
		for end < len(ddl) && ddl[end] >= '0' && ddl[end] <= '9' {
			end++
		}
		if nameEnd == i || !strings.HasPrefix(ddl[nameEnd:], counter) || end == digits {
			continue
		}
		b.WriteString(ddl[kept:nameEnd])
		kept, i = end, end
	}
	if kept == 0 {
		return ddl
	}
	b.WriteString(ddl[kept:])
	return b.String()
}

// Take reads database's schema through db (a user that can read it),
// without strata's own tables (spec.Reserved).
func Take(ctx context.Context, db *sql.DB, database string) (*Schema, error) {
	tables, err := strings1(ctx, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' AND table_name <> ? AND table_name NOT LIKE ? ORDER BY table_name", database, spec.SeedsTable, spec.ArchiveLike)
	if err != nil {
		return nil, fmt.Errorf("snapshot: tables of %s: %w", database, err)
	}
	s := &Schema{Tables: len(tables)}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(DISTINCT table_name, index_name) FROM information_schema.statistics WHERE table_schema = ? AND table_name <> ? AND table_name NOT LIKE ?", database, spec.SeedsTable, spec.ArchiveLike).Scan(&s.Indexes); err != nil {
		return nil, fmt.Errorf("snapshot: indexes of %s: %w", database, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.referential_constraints WHERE constraint_schema = ? AND table_name NOT LIKE ?", database, spec.ArchiveLike).Scan(&s.ForeignKeys); err != nil {
		return nil, fmt.Errorf("snapshot: foreign keys of %s: %w", database, err)
	}
	var b strings.Builder
	for _, t := range tables {
		var name, ddl string
		if err := db.QueryRowContext(ctx, "SHOW CREATE TABLE "+ident.Quote(database)+"."+ident.Quote(t)).Scan(&name, &ddl); err != nil {
			return nil, fmt.Errorf("snapshot: show create table %s.%s: %w", database, t, err)
		}
		b.WriteString(withoutCounter(ddl))
		b.WriteString(";\n\n")
	}
	s.DDL = b.String()
	sum := sha256.Sum256([]byte(s.DDL))
	s.Hash = hex.EncodeToString(sum[:])
	return s, nil
}

func strings1(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
