package snapshot

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stratadb/strata/spec/ident"
)

// Key returns a digest that two Definitions share exactly when they are
// Equal; "" for those never equal to any (a view or a sequence).
func (d *Definitions) Key() string {
	if d == nil || d.other {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q\n%q\n", d.printing, d.options)
	for _, t := range slices.Sorted(maps.Keys(d.tables)) {
		fmt.Fprintf(h, "%q %q\n", t, d.tables[t])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ReadMany reads the Definitions of those of databases that exist, as
// ReadDefinitions does, and hands each to each (one call at a time, in no
// order: a caller keeps what it needs of them, not every database's DDL
// at once); a database it could not read (dropped meanwhile, or another of
// its chunk) is handed over with nil. It reads in few round trips through
// multi, whose connections must accept several statements in one query:
// one query lists which databases exist, then each chunk of them costs
// two or a few more, one for their options and tables and then their
// tables' SHOW CREATE TABLE. Where the bulk information_schema pass opens
// every table once per query (7), this opens each once: on 2 cores, 1,000
// twelve-table databases cost the server 1.2-1.7 s of CPU against 2.4-4.0 s.
// printing is the server's PrintingDefaults. The error is the list's, or
// ctx's.
func ReadMany(ctx context.Context, multi *sql.DB, printing string, databases []string, each func(database string, d *Definitions)) error {
	exist, err := existing(ctx, multi, databases)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(manyParallel)
	for chunk := range slices.Chunk(exist, manyChunk) {
		g.Go(func() error {
			defs, err := readChunk(ctx, multi, printing, chunk)
			mu.Lock()
			defer mu.Unlock()
			for i, db := range chunk {
				if err != nil {
					each(db, nil)
				} else {
					each(db, defs[i])
				}
			}
			return nil
		})
	}
	g.Wait()
	return ctx.Err()
}

// manyChunk is how many databases one chunk of ReadMany reads (a variable
// for tests); manyParallel how many chunks it reads at once, leaving the
// server's multi pool to the applies' checks; manyStatements how many
// SHOW CREATE TABLE one query holds at most (some 0.9 MB of answers for
// twelve-table databases).
var manyChunk = 100

const (
	manyParallel   = 2
	manyStatements = 1200
)

// existing returns those of databases that exist.
func existing(ctx context.Context, db *sql.DB, databases []string) ([]string, error) {
	var out []string
	for chunk := range slices.Chunk(databases, 5000) {
		quoted := make([]string, len(chunk))
		for i, d := range chunk {
			quoted[i] = ident.String(d)
		}
		// Under an empty sql_mode, where the backslash escapes of
		// ident.String are escapes.
		rows, err := db.QueryContext(ctx, "SET STATEMENT sql_mode = '' FOR SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN ("+strings.Join(quoted, ", ")+")")
		if err != nil {
			return nil, fmt.Errorf("snapshot: list databases: %w", err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("snapshot: list databases: %w", err)
			}
			out = append(out, name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("snapshot: list databases: %w", err)
		}
	}
	return out, nil
}

// readChunk reads the Definitions of databases, in their order, in two
// queries.
func readChunk(ctx context.Context, multi *sql.DB, printing string, databases []string) ([]*Definitions, error) {
	out := make([]*Definitions, len(databases))
	var b strings.Builder
	for i, db := range databases {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(showDatabase(db))
	}
	tables := make([][]string, len(databases))
	err := results(ctx, multi, b.String(), 2*len(databases), func(rows *sql.Rows, n int) error {
		i := n / 2
		if n%2 == 1 { // the tables
			var other bool
			var err error
			tables[i], other, err = scanTables(rows)
			out[i].other = other
			return err
		}
		create, err := scanCreate(rows)
		out[i] = &Definitions{printing: printing, options: databaseOptions(create, databases[i]), tables: map[string]string{}}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: definitions of %s and %d more: %w", databases[0], len(databases)-1, err)
	}
	type table struct{ db, name string }
	var asked []table
	for i, db := range databases {
		if !out[i].other {
			for _, t := range tables[i] {
				asked = append(asked, table{db, t})
			}
		}
	}
	index := make(map[string]int, len(databases))
	for i, db := range databases {
		index[db] = i
	}
	for part := range slices.Chunk(asked, manyStatements) {
		b.Reset()
		for j, t := range part {
			if j > 0 {
				b.WriteString("; ")
			}
			b.WriteString(showTable(t.db, t.name))
		}
		err = results(ctx, multi, b.String(), len(part), func(rows *sql.Rows, n int) error {
			create, err := scanCreate(rows)
			out[index[part[n].db]].tables[part[n].name] = withoutCounter(create)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("snapshot: show create table of %s and %d more databases: %w", databases[0], len(databases)-1, err)
		}
	}
	return out, nil
}

// results runs query, want statements, and hands each statement's result
// set to read in turn, numbered from 0.
func results(ctx context.Context, multi *sql.DB, query string, want int, read func(rows *sql.Rows, n int) error) error {
	rows, err := multi.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for n := range want {
		if n > 0 && !rows.NextResultSet() {
			return resultErr(rows)
		}
		if err := read(rows, n); err != nil {
			return err
		}
	}
	return rows.Close()
}
