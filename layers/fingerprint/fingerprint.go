// Package fingerprint hashes the structure of many MySQL/MariaDB schemas at
// once, so that strata can tell which tenants are certainly in sync without
// inspecting each one with Atlas.
//
// A fingerprint covers every attribute strata plans statements for (tables and
// their options, columns, indexes, foreign keys, checks, the schema's default
// charset and collation) and nothing that changes without DDL (AUTO_INCREMENT
// counters, row counts, sizes, timestamps). Of a partitioned table it also
// covers how it is partitioned (strata plans no change to it, and reports a
// difference there as diverged). The schema's own name never enters it: a tenant schema and the dev schema its composition was built in have the
// same fingerprint when they have the same objects. Equal fingerprints mean
// "no diff"; different fingerprints mean "inspect and diff".
//
// Compare fingerprints taken on servers of the same flavour and version (the
// dev server should match the tenants' servers): information_schema spells
// some values differently across versions, which costs a needless inspect,
// never a missed difference. One thing Atlas may plan is deliberately left
// out: a layer that sets a table's AUTO_INCREMENT start above the live
// counter (Atlas raises it; the fingerprint ignores counters, because they
// move with every insert).
package fingerprint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// version enters every hash, so fingerprints recorded by an older algorithm
// never match new ones (a mismatch only costs a full inspect).
const version = "strata-fingerprint-v4"

// ErrNotFound is returned by Schema when the schema does not exist.
var ErrNotFound = errors.New("fingerprint: schema not found")

// batchSize is how many schema names go into one `IN (...)` list. A pass
// costs the server a fixed part and a part per schema (MariaDB 10.11, 2
// cores, twelve-table schemas: 0.17 s of CPU for 10 of 1,000, 2.6 s for all
// 1,000), so batches are large: the limit only keeps a statement well within
// max_allowed_packet and the 65,535 placeholders of a prepared statement.
const batchSize = 5000

// allAtOnce, as a pass's parallelism, runs all of its queries at once. Each
// is dominated by server work (opening table definitions) with waits
// between; measured on 2 cores with 1,000 ten-table schemas: serial 1.4 s,
// 3 at a time 0.70-0.87 s, 4 at a time 0.61-0.87 s, all 7 at once 0.59-0.63 s.
// The rest is MariaDB reopening table definitions: with table_definition_cache
// at its default of 400 and 10,000 tables, each query reads every .frm again;
// raised above the number of tables, the same pass took 0.38-0.49 s.
//
// The queries are not one consistent snapshot: DDL running during a pass
// can give a fingerprint of a state in between. strata's own DDL holds the
// tenant's lock; a hand change caught half way is seen whole on the next pass.
const allAtOnce = 0

// Schemas returns the fingerprint (hex SHA-256) of each schema in schemas
// that exists on the server behind db. Schemas that do not exist are absent
// from the map. All schemas are read in one pass of a few information_schema
// queries, however many there are.
func Schemas(ctx context.Context, db *sql.DB, schemas []string) (map[string]string, error) {
	out := make(map[string]string, len(schemas))
	for start := 0; start < len(schemas); start += batchSize {
		end := min(start+batchSize, len(schemas))
		f := inFilter(schemas[start:end])
		if err := pass(ctx, db, f, allAtOnce, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Prefix returns the fingerprint of every schema whose name starts with
// prefix (for a server whose tenant databases share a naming prefix).
func Prefix(ctx context.Context, db *sql.DB, prefix string) (map[string]string, error) {
	out := make(map[string]string)
	if err := pass(ctx, db, likeFilter(prefix), allAtOnce, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Schema returns the fingerprint of one schema, typically the dev schema a
// composition was built in, before it is dropped. It returns ErrNotFound when
// the schema does not exist.
//
// Its queries run one after another on one connection: callers fingerprint
// one schema per tenant with many tenants at once, and all seven at once
// cost the server more CPU for the same rows (measured on 2 cores, 300
// ten-table schemas one by one: 3.3-3.5 ms of server CPU a schema all at
// once, 2.3-2.5 ms one after another, in about the same time).
func Schema(ctx context.Context, db *sql.DB, name string) (string, error) {
	m := make(map[string]string, 1)
	if err := pass(ctx, db, inFilter([]string{name}), 1, m); err != nil {
		return "", err
	}
	fp, ok := m[name]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return fp, nil
}

// filter selects schemas by name. When names share a prefix, a LIKE on it
// is added to the IN list: MariaDB prunes database directories with a LIKE
// pattern but not with an IN list, so with IN alone every query also opens
// the tables of mysql, sys and every other database on the server (counted
// with Opened_table_definitions: 1,000 ten-table tenants on a server with
// 116 other tables, IN alone opens 10,116 tables per query, IN + LIKE and
// LIKE alone 10,000). Wall-clock differences between the forms were within
// the noise of a shared 2-core machine (0.5-1.7 s per pass at N=1,000).
type filter struct {
	in     []string
	like   string   // a LIKE pattern, or "" for none
	tables []string // TABLE_NAME IN these, when not empty
}

func inFilter(names []string) filter {
	f := filter{in: names}
	if p := commonPrefix(names); p != "" {
		f.like = ident.Like(p) + "%"
	}
	return f
}

func likeFilter(prefix string) filter {
	return filter{like: ident.Like(prefix) + "%"}
}

// cond returns the WHERE condition on col and its arguments.
func (f filter) cond(col string) (string, []any) {
	var parts []string
	var args []any
	if len(f.in) > 0 {
		parts = append(parts, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.in)), ",")+")")
		for _, n := range f.in {
			args = append(args, n)
		}
	}
	if f.like != "" {
		parts = append(parts, col+" LIKE ?")
		args = append(args, f.like)
	}
	if len(f.tables) > 0 {
		parts = append(parts, "TABLE_NAME IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.tables)), ",")+")")
		for _, n := range f.tables {
			args = append(args, n)
		}
	}
	return strings.Join(parts, " AND "), args
}

func commonPrefix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		i := 0
		for i < len(p) && i < len(n) && p[i] == n[i] {
			i++
		}
		p = p[:i]
	}
	return p
}

// pass runs every query with filter f, at most parallel at a time (all when
// parallel <= 0), and adds one fingerprint per schema
// found to out.
func pass(ctx context.Context, db *sql.DB, f filter, parallel int, out map[string]string) error {
	if len(f.in) == 0 && f.like == "" {
		return nil
	}
	// Each query writes its own slot: no locking, and the records of each
	// schema are merged after all queries are done.
	results := make([]map[string][]digest, len(queries))
	errs := make([]error, len(queries))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if parallel <= 0 {
		parallel = len(queries)
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var partitioned []tableRef // written by the TABLES query's goroutine only
	for i, q := range queries {
		var keep func([]sql.NullString) bool
		if i == 1 {
			keep = func(v []sql.NullString) bool {
				if strings.Contains(v[createOptionsCol].String, "partitioned") {
					partitioned = append(partitioned, tableRef{v[0].String, v[1].String})
				}
				return true
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = run(ctx, db, q, f, keep)
			if errs[i] != nil {
				cancel() // the pass has failed: stop the other queries
			}
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return err
	}
	if len(partitioned) > 0 {
		p, err := partitions(ctx, db, f, partitioned)
		if err != nil {
			return err
		}
		results = append(results, p)
	}
	// Only schemas the SCHEMATA query found exist; the others stay absent.
	for name, schemaRecs := range results[0] {
		recs := schemaRecs
		for _, r := range results[1:] {
			recs = append(recs, r[name]...)
		}
		out[name] = hash(recs)
	}
	return nil
}

// tableRef names one table of one schema.
type tableRef struct{ schema, table string }

// partitions reads how the given tables (of the schemas f selects) are
// partitioned. The filter names the tables, not the pairs: rows of a table
// of that name in another schema, where it is not partitioned, are dropped.
func partitions(ctx context.Context, db *sql.DB, f filter, tables []tableRef) (map[string][]digest, error) {
	want := make(map[tableRef]bool, len(tables))
	seen := make(map[string]bool)
	f.tables = nil
	for _, t := range tables {
		if !seen[t.table] {
			seen[t.table] = true
			f.tables = append(f.tables, t.table)
		}
		want[t] = true
	}
	return run(ctx, db, partitionsQuery, f, func(v []sql.NullString) bool {
		return want[tableRef{v[0].String, v[1].String}]
	})
}

// firstError returns the error that failed the pass rather than the
// cancellations it caused in the other queries.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			if canceled == nil {
				canceled = err
			}
		default:
			return err
		}
	}
	return canceled
}

// digest is the SHA-256 of one record. A pass keeps the digests of every
// schema's records until all its queries are done, not the records: at
// 10,000 tenants the records held ~80 MB, their digests half as much.
type digest = [sha256.Size]byte

// run executes one query and returns the digests of its records grouped by
// schema: of the rows keep returns true for, when keep is not nil.
func run(ctx context.Context, db *sql.DB, q query, f filter, keep func([]sql.NullString) bool) (map[string][]digest, error) {
	cond, args := f.cond(q.col)
	rows, err := db.QueryContext(ctx, fmt.Sprintf(q.sql, cond), args...)
	if err != nil {
		return nil, fmt.Errorf("fingerprint: query %s records: %w", q.kind, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("fingerprint: query %s records: %w", q.kind, err)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make(map[string][]digest)
	var rec []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("fingerprint: scan %s record: %w", q.kind, err)
		}
		schema := vals[0].String
		if q.kind != "S" && spec.Reserved(vals[1].String) {
			continue // strata's own (seeds, archives): every query but SCHEMATA has TABLE_NAME second
		}
		if keep != nil && !keep(vals) {
			continue
		}
		for _, i := range q.schemaCols {
			if vals[i].Valid && vals[i].String == schema {
				vals[i].String = ""
			}
		}
		rec = append(rec[:0], q.kind...)
		for i := 1; i < len(vals); i++ {
			v := vals[i]
			rec = append(rec, ' ')
			switch {
			case !v.Valid:
				rec = append(rec, "NULL"...) // unquoted: never equal to the string 'NULL'
			case i == q.extraCol:
				rec = strconv.AppendQuote(rec, normalizeExtra(v.String))
			default:
				rec = strconv.AppendQuote(rec, v.String)
			}
		}
		out[schema] = append(out[schema], sha256.Sum256(rec))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fingerprint: read %s records: %w", q.kind, err)
	}
	return out, nil
}

// normalizeExtra drops what COLUMNS.EXTRA says about how a default was
// written rather than what it is (MySQL's DEFAULT_GENERATED), and letter
// case and spacing that differ between server versions.
func normalizeExtra(s string) string {
	f := strings.Fields(strings.ToLower(s))
	kept := f[:0]
	for _, w := range f {
		if w != "default_generated" {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// hash sorts the records' digests (so row order does not matter) and
// hashes them.
func hash(recs []digest) string {
	slices.SortFunc(recs, func(a, b digest) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	h.Write([]byte(version))
	h.Write([]byte{'\n'})
	for _, r := range recs {
		h.Write(r[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
