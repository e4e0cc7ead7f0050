package reconciler

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// fixture is a fleet on the test server whose databases and users all start
// with a prefix unique to the test, dropped when it ends.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *sql.DB // admin connection
	prefix string
	fleet  *spec.Fleet
	key    []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := dbtest.Open(t)
	prefix := dbtest.Name("st") + "_"
	f := &fixture{t: t, ctx: context.Background(), db: db, prefix: prefix, key: make([]byte, 32)}
	for i := range f.key {
		f.key[i] = byte(i + 7)
	}
	f.fleet = &spec.Fleet{
		Config: spec.Config{
			Servers:        map[string]spec.Server{"main": {Name: "main", DSN: dbtest.DSN(t)}},
			Defaults:       spec.Defaults{Server: "main", Charset: "utf8mb4", Collation: "utf8mb4_unicode_ci"},
			DatabasePrefix: prefix,
			Landlord:       spec.Landlord{Server: "main", Database: prefix + "ll"},
			Dev:            spec.Dev{Server: "main"},
		},
		Templates: map[string]*spec.Template{},
		Modules:   map[string]*spec.Module{},
	}
	t.Cleanup(func() {
		dbtest.DropDatabases(t, db, prefix)
		dropUsers(t, db, prefix)
	})
	return f
}

// layer builds a layer from files (path -> SQL) and seeds (path -> template).
func layer(kind spec.LayerKind, name string, files, seeds map[string]string) *spec.Layer {
	l := &spec.Layer{Kind: kind, Name: name}
	l.Files = sqlFiles(files)
	l.Seeds = sqlFiles(seeds)
	return l
}

func sqlFiles(m map[string]string) []*spec.File {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []*spec.File
	for _, p := range paths {
		sum := sha256.Sum256([]byte(m[p]))
		stmts, err := spec.SplitSQL([]byte(m[p]))
		if err != nil {
			panic(p + ": " + err.Error()) // the tests' own SQL
		}
		out = append(out, &spec.File{Path: p, Content: []byte(m[p]), Hash: hex.EncodeToString(sum[:]), Statements: stmts})
	}
	return out
}

// tenant adds (or replaces) an active tenant with the given layers.
func (f *fixture) tenant(name string, layers ...*spec.Layer) *spec.Tenant {
	t := &spec.Tenant{
		Name: name, Database: f.prefix + strings.ReplaceAll(name, "-", "_"), Server: "main",
		Status: spec.StatusActive, Layers: layers, Vars: map[string]string{}, Path: "tenants/" + name + "/tenant.yaml",
	}
	var ts []*spec.Tenant
	for _, o := range f.fleet.Tenants {
		if o.Name != name {
			ts = append(ts, o)
		}
	}
	ts = append(ts, t)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	f.fleet.Tenants = ts
	return t
}

// reconciler returns a Reconciler for the fleet as it is now.
func (f *fixture) reconciler(opts Options) *Reconciler {
	f.t.Helper()
	if opts.SecretKey == nil {
		opts.SecretKey = f.key
	}
	r, err := New(f.fleet, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { r.Close() })
	return r
}

// apply runs Apply with a fresh Reconciler and fails the test on a returned error.
func (f *fixture) apply(opts Options) *Result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 3*time.Minute)
	defer cancel()
	// Every apply of the suite is planned first: the statements plan lists
	// must be exactly those apply then runs or withholds, in order.
	pr := f.reconciler(opts)
	plan, err := pr.Plan(ctx, nil)
	if err != nil {
		f.t.Fatalf("Plan: %v", err)
	}
	pr.Close() // its connections, now: a test applies many times
	res, err := f.reconciler(opts).Apply(ctx, nil)
	if err != nil {
		f.t.Fatalf("Apply: %v", err)
	}
	samePlan(f.t, plan, res)
	return res
}

// applyWith runs r's Apply, planned first with a reconciler of its own (r's
// counters count the apply alone), and fails the test unless apply ran
// exactly what the plan listed (samePlan).
func (f *fixture) applyWith(r *Reconciler) *Result {
	f.t.Helper()
	pr := f.reconciler(Options{Commit: r.opts.Commit})
	plan, err := pr.Plan(f.ctx, nil)
	if err != nil {
		f.t.Fatalf("Plan: %v", err)
	}
	pr.Close()
	res, err := r.Apply(f.ctx, nil)
	if err != nil {
		f.t.Fatalf("Apply: %v", err)
	}
	samePlan(f.t, plan, res)
	return res
}

// samePlan fails t unless each tenant's apply ran (or recorded as blocked)
// exactly the statements plan listed, in order. A tenant that failed
// before its first statement (no key to provision, a locked tenant) ran none.
func samePlan(t *testing.T, plan *planner.Plan, res *Result) {
	t.Helper()
	for i, tp := range plan.Tenants {
		tr := res.Tenants[i]
		if tr.Outcome == OutcomeLocked || (tr.Outcome == OutcomeFailed && len(tr.Statements) == 0) {
			continue
		}
		if tp.Action == planner.ActionFailed {
			t.Errorf("%s: plan failed: %s (apply: %s %s)", tp.Name, tp.Error, tr.Outcome, tr.Error)
			continue
		}
		var planned, ran []string
		for _, st := range tp.Statements {
			planned = append(planned, fmt.Sprintf("%s blocked=%v", st.SQL, st.Blocked))
		}
		for _, st := range tr.Statements {
			ran = append(ran, fmt.Sprintf("%s blocked=%v", st.SQL, st.Outcome == landlord.StatementBlocked))
		}
		if !slices.Equal(planned, ran) {
			t.Errorf("%s: plan listed\n  %s\nbut apply ran\n  %s", tp.Name, strings.Join(planned, "\n  "), strings.Join(ran, "\n  "))
		}
	}
}

func (f *fixture) result(res *Result, name string) TenantResult {
	f.t.Helper()
	for _, r := range res.Tenants {
		if r.Name == name {
			return r
		}
	}
	f.t.Fatalf("no result for tenant %s", name)
	return TenantResult{}
}

// store opens the fixture's landlord (already migrated by an apply).
func (f *fixture) store() *landlord.Store {
	f.t.Helper()
	s, err := landlord.Open(dbtest.DSN(f.t), f.fleet.Config.Landlord.Database)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

// reference runs the tenant's layer statements directly in a fresh database
// (not through strata) and returns its canonical DDL: what the tenant's live
// schema must equal.
func (f *fixture) reference(t *spec.Tenant) string {
	f.t.Helper()
	name := dbtest.Database(f.t, f.db, f.prefix+"ref")
	conn, err := f.db.Conn(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(f.ctx, "USE "+ident.Quote(name)); err != nil {
		f.t.Fatal(err)
	}
	for _, l := range t.Layers {
		for _, file := range l.Files {
			for _, st := range file.Statements {
				if _, err := conn.ExecContext(f.ctx, st.SQL); err != nil {
					f.t.Fatalf("reference %s:%d: %v", file.Path, st.Line, err)
				}
			}
		}
	}
	s, err := snapshot.Take(f.ctx, f.db, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.DDL
}

func (f *fixture) live(database string) string {
	f.t.Helper()
	s, err := snapshot.Take(f.ctx, f.db, database)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.DDL
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.ExecContext(f.ctx, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRowContext(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// column returns the first column of q's rows, as strings.
func (f *fixture) column(q string, args ...any) []string {
	f.t.Helper()
	rows, err := f.db.QueryContext(f.ctx, q, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			f.t.Fatalf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return out
}

func sqls(stmts []landlord.StatementRecord) []string {
	var out []string
	for _, s := range stmts {
		out = append(out, s.SQL)
	}
	return out
}

// dropUsers drops every user whose name starts with prefix. (dbtest.DropUsers
// passes the account as placeholders, which DROP USER does not accept.)
func dropUsers(t *testing.T, db *sql.DB, prefix string) {
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, "SELECT user, host FROM mysql.user WHERE LEFT(user, ?) = ?", len(prefix), prefix)
	if err != nil {
		t.Errorf("list users: %v", err)
		return
	}
	var accounts []string
	for rows.Next() {
		var u, h string
		if rows.Scan(&u, &h) == nil {
			accounts = append(accounts, ident.String(u)+"@"+ident.String(h))
		}
	}
	rows.Close()
	for _, a := range accounts {
		if _, err := db.ExecContext(ctx, "DROP USER IF EXISTS "+a); err != nil {
			t.Errorf("drop user %s: %v", a, err)
		}
	}
}
