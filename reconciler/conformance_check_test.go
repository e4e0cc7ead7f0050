package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// validateAlone loads a repo holding the case alone, at current and at
// desired, as `strata validate` does: desired must be rejected on the
// case's line with its reason.
func validateAlone(c *confCase, dir string) error {
	tenant := confTenantName(c.name)
	load := func(sql string) error {
		b := &confBatch{prefix: "x_", dsn: "root:@tcp(127.0.0.1:3306)/", dir: dir, runs: []*confRun{{c: c, tenant: tenant, sql: sql}}}
		_, err := b.write()
		return err
	}
	if err := load(c.current); err != nil {
		return fmt.Errorf("validate current: %w", err)
	}
	var ds spec.Diagnostics
	if err := load(c.desired); !errors.As(err, &ds) {
		return fmt.Errorf("want validation to reject desired.sql:%d (%s), got %v", c.line, c.reason, err)
	}
	for _, d := range ds {
		if d.Path == confLayerPath(tenant) && d.Line == c.line && strings.Contains(d.Message, c.reason) {
			return nil
		}
	}
	return fmt.Errorf("validation errors do not name %s:%d with %q:\n%s", confLayerPath(tenant), c.line, c.reason, ds.Error())
}

// confTenantName is the tenant (and template) a case runs as.
func confTenantName(caseName string) string { return strings.ReplaceAll(caseName, "_", "-") }

// blocked checks that the plan, with every approval it offered, still
// cannot converge, and says why.
func (r *confRun) blocked() {
	tp := r.approved
	switch {
	case tp.Action != planner.ActionFailed && !tp.Blocked():
		r.fail("want blocked (%s), plan with approvals %q is:\n%s", r.c.reason, r.approvals, planText(tp))
	case !strings.Contains(planText(tp), r.c.reason):
		r.fail("plan is blocked, but does not say %q:\n%s", r.c.reason, planText(tp))
	}
}

// planHolds checks the case's plan: lines against the first plan of desired.
func (r *confRun) planHolds() {
	text := planText(r.first)
	for _, want := range r.c.plan {
		if !strings.Contains(text, want) {
			r.fail("plan does not say %q:\n%s", want, text)
		}
	}
}

// same compares the tenant's live schema with its layer run by plain SQL
// in a fresh database. Their definitions (SHOW CREATE) must be equal
// exactly when their DDL is, and equal definitions must mean equal
// fingerprints: verifying an apply trusts both (verifyLive).
func (b *confBatch) same(ctx context.Context, r *confRun, when string) {
	t := b.f.fleet.Tenant(r.tenant)
	live, err := snapshot.Take(ctx, b.f.db, t.Database)
	if err != nil {
		r.fail("%w", err)
		return
	}
	want, err := b.reference(ctx, t)
	switch {
	case err != nil:
		r.fail("%s: %w", when, err)
		return
	case live.DDL == want.DDL:
	case r.printing != "" && equivalentPrint(live.DDL) == equivalentPrint(want.DDL):
		r.printed = true
		r.logs = append(r.logs, fmt.Sprintf("%s: equivalent printing (%s):\n%s", when, r.printing, lineDiff(want.DDL, live.DDL)))
	default:
		r.fail("%s: live schema differs from the layer created by plain SQL:\n%s", when, lineDiff(want.DDL, live.DDL))
	}
	defs, err := snapshot.ReadDefinitions(ctx, b.f.db, t.Database)
	if err != nil {
		r.fail("%s: %w", when, err)
		return
	}
	fp, err := fingerprint.Schema(ctx, b.f.db, t.Database)
	switch {
	case err != nil:
		r.fail("%s: %w", when, err)
	case defs.Equal(want.defs) != (live.DDL == want.DDL):
		r.fail("%s: definitions equal %v, DDL equal %v", when, defs.Equal(want.defs), live.DDL == want.DDL)
	case b.matches(ctx, want.defs, t.Database) != defs.Equal(want.defs):
		r.fail("%s: definitions equal %v, yet Matches says otherwise", when, defs.Equal(want.defs))
	case defs.Equal(want.defs) && fp != want.fp:
		r.fail("%s: equal definitions, yet fingerprints differ", when)
	}
}

// matches is want.Matches on database, false on an error.
func (b *confBatch) matches(ctx context.Context, want *snapshot.Definitions, database string) bool {
	printing, err := snapshot.PrintingDefaults(ctx, b.multi)
	if err != nil {
		return false
	}
	ok, err := want.Matches(ctx, b.multi, database, printing)
	return ok && err == nil
}

// equivalentPrint rewrites, for a case listed in equivalent-printing.txt,
// the definitions MariaDB prints in two ways into one; nothing else, so any
// other difference still fails the case. InnoDB indexes are B-trees with or
// without USING BTREE; NO ACTION is InnoDB's default foreign-key action; a
// column-level CHECK acts as a table CHECK named after its column; InnoDB
// ignores an index's own KEY_BLOCK_SIZE.
func equivalentPrint(ddl string) string {
	var out, checks []string
	for _, line := range strings.Split(ddl, "\n") {
		line = strings.TrimSuffix(line, ",")
		line = strings.ReplaceAll(line, " USING BTREE", "")
		line = strings.ReplaceAll(line, " ON DELETE NO ACTION", "")
		line = strings.ReplaceAll(line, " ON UPDATE NO ACTION", "")
		if strings.HasPrefix(line, "  PRIMARY KEY ") || strings.Contains(line, "KEY `") && !strings.HasPrefix(line, "  CONSTRAINT ") {
			line = indexBlockSize.ReplaceAllString(line, "")
		}
		if m := columnCheck.FindStringSubmatch(line); m != nil {
			line = m[1] + m[2]
			checks = append(checks, "  CONSTRAINT "+m[1][2:strings.Index(m[1][1:], "` ")+2]+" CHECK "+m[3])
		}
		if strings.HasPrefix(line, "  CONSTRAINT ") && strings.Contains(line, " CHECK ") {
			checks = append(checks, line)
			continue
		}
		if strings.HasPrefix(line, ")") { // a table's end: its CHECKs, in one order
			slices.Sort(checks)
			out, checks = append(out, checks...), nil
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// indexBlockSize is an index's own KEY_BLOCK_SIZE.
var indexBlockSize = regexp.MustCompile(` KEY_BLOCK_SIZE=\d+`)

// columnCheck is a column definition ending in a CHECK.
var columnCheck = regexp.MustCompile("^(  `[^`]+` )(.*) CHECK (\\(.*\\))$")

// referenceSchema is a reference database's schema, read three ways.
type referenceSchema struct {
	DDL  string // layers/snapshot's
	defs *snapshot.Definitions
	fp   string
}

// reference runs t's layer statements directly (not through strata) in a
// fresh database and returns its schema: what the live one must equal.
func (b *confBatch) reference(ctx context.Context, t *spec.Tenant) (ref referenceSchema, err error) {
	name := dbtest.Name(b.prefix + "ref")
	// As strata creates a tenant's: a concurrent scan cannot change its defaults.
	created, err := layers.CreateDatabase(ctx, b.f.db, name, "utf8mb4", "utf8mb4_unicode_ci")
	if !created {
		return ref, err
	}
	defer b.f.db.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+ident.Quote(name))
	if err != nil {
		return ref, err
	}
	conn, err := b.conn(ctx, name)
	if err != nil {
		return ref, err
	}
	defer conn.Close()
	for _, l := range t.Layers {
		for _, file := range l.Files {
			for _, st := range file.Statements {
				if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
					return ref, fmt.Errorf("reference %s:%d: %w", file.Path, st.Line, err)
				}
			}
		}
	}
	s, err := snapshot.Take(ctx, b.f.db, name)
	if err != nil {
		return ref, err
	}
	if ref.defs, err = snapshot.ReadDefinitions(ctx, b.f.db, name); err != nil {
		return ref, err
	}
	ref.fp, err = fingerprint.Schema(ctx, b.f.db, name)
	ref.DDL = s.DDL
	return ref, err
}

// conn is an admin connection using database.
func (b *confBatch) conn(ctx context.Context, database string) (*sql.Conn, error) {
	conn, err := b.f.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "USE "+ident.Quote(database)); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// insert runs the case's data.sql in its tenant database.
func (b *confBatch) insert(ctx context.Context, r *confRun) error {
	if strings.TrimSpace(r.c.data) == "" {
		return nil
	}
	stmts, err := spec.SplitSQL([]byte(r.c.data))
	if err != nil {
		return fmt.Errorf("data.sql: %w", err)
	}
	conn, err := b.conn(ctx, b.f.fleet.Tenant(r.tenant).Database)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, st := range stmts {
		if _, err := conn.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("data.sql:%d: %w", st.Line, err)
		}
	}
	return nil
}

// checks runs the case's check: queries on its tenant database.
func (b *confBatch) checks(ctx context.Context, r *confRun) error {
	if len(r.c.checks) == 0 {
		return nil
	}
	conn, err := b.conn(ctx, b.f.fleet.Tenant(r.tenant).Database)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, c := range r.c.checks {
		var got string
		if err := conn.QueryRowContext(ctx, c[0]).Scan(&got); err != nil {
			return fmt.Errorf("check %s: %w", c[0], err)
		}
		if got != c[1] {
			return fmt.Errorf("check %s = %s, want %s", c[0], got, c[1])
		}
	}
	return nil
}

// approvalsOf returns the approval strings tp asks for: those of its
// blocked statements and those its unmanaged tables name (a table the layer
// no longer declares is kept until its DROP TABLE is approved); and the
// blocked statements that have none.
func approvalsOf(tp planner.TenantPlan) (approvals, unapprovable []string) {
	add := func(a string) {
		if !slices.Contains(approvals, a) {
			approvals = append(approvals, a)
		}
	}
	for _, st := range tp.Statements {
		switch {
		case !st.Blocked:
		case st.Approval == "":
			unapprovable = append(unapprovable, st.SQL)
		default:
			add(st.Approval)
		}
	}
	for _, d := range tp.Unmanaged {
		if m := unmanagedApproval.FindStringSubmatch(d.Detail); m != nil {
			add(m[1])
		}
	}
	return approvals, unapprovable
}

// unmanagedApproval finds the approval an unmanaged table's detail names.
var unmanagedApproval = regexp.MustCompile("add `([^`]+)` under approve.destructive")

// planText is everything a plan says about a tenant, for reasons and plan: lines.
func planText(tp planner.TenantPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  action %s %s\n", tp.Action, tp.Error)
	for _, st := range tp.Statements {
		fmt.Fprintf(&b, "  %s [%s blocked=%v approval=%q] %s %s\n", st.SQL, st.Kind, st.Blocked, st.Approval, st.Comment, st.Note)
	}
	for _, d := range tp.Unmanaged {
		fmt.Fprintf(&b, "  unmanaged %s: %s\n", d.Object, d.Detail)
	}
	return b.String()
}

func recordLines(recs []landlord.StatementRecord) string {
	var out []string
	for _, st := range recs {
		out = append(out, st.Outcome+": "+st.SQL+" "+st.Error)
	}
	return strings.Join(out, "\n  ")
}

// lineDiff lists the lines only in want (-) and only in got (+), in order.
func lineDiff(want, got string) string {
	inW, inG := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		inW[l] = true
	}
	for _, l := range strings.Split(got, "\n") {
		inG[l] = true
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !inG[l] {
			b.WriteString("  - " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !inW[l] {
			b.WriteString("  + " + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "(the same lines in another order)\nwant:\n" + want + "\nlive:\n" + got
	}
	return b.String()
}
