package reconciler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// confBatch runs cases through strata as a user runs it: a config repo on
// disk, loaded as `strata validate` loads it, one tenant per case whose
// template layer is the case's SQL, and a new reconciler per step as a new
// commit gets one. A batch shares its landlord and its applies among many
// cases, since migrating a landlord costs more than a case's own work.
type confBatch struct {
	f      *fixture // its fleet is the repo as last loaded
	multi  *sql.DB  // the test server, several statements a query (Definitions.Matches)
	prefix string   // of every database and user the batch makes
	dsn    string   // of the test server
	dir    string   // the config repo
	runs   []*confRun
}

// confRun is one case in a batch: its tenant, what strata planned for it,
// and its first failure (err), after which it takes no further part.
type confRun struct {
	c      *confCase
	tenant string
	err    error
	done   bool // judged before the apply (blocked cases)
	// printing is the reason the case is listed in equivalent-printing.txt:
	// a live schema that differs from the reference is then logged, not an
	// error, and printed records that it did.
	printing string
	printed  bool
	logs     []string

	sql       string   // the layer written for it now
	approvals []string // approved in its tenant.yaml now
	first     planner.TenantPlan
	approved  planner.TenantPlan
}

func (r *confRun) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// live are the runs still taking part.
func (b *confBatch) live() []*confRun {
	var out []*confRun
	for _, r := range b.runs {
		if r.err == nil && !r.done {
			out = append(out, r)
		}
	}
	return out
}

// run runs every case of the batch to its end.
func (b *confBatch) run(ctx context.Context) {
	for _, r := range b.runs {
		r.sql = r.c.current
	}
	if !b.load("current") {
		return
	}
	b.provision(ctx)
	for _, r := range b.live() {
		r.sql = r.c.desired
	}
	if !b.load("desired") {
		return
	}
	plans := b.plan(ctx, nil)
	for _, r := range b.live() {
		r.first = plans[r.tenant]
		r.logs = append(r.logs, "plan of desired:\n"+planText(r.first))
		r.planHolds()
		var unapprovable []string
		r.approvals, unapprovable = approvalsOf(r.first)
		if len(unapprovable) > 0 && r.c.expect == expectConverge {
			r.fail("plan blocks statements no approval can unblock:\n%s", planText(r.first))
		}
	}
	if !b.load("desired with approvals") {
		return
	}
	// Only tenants that got approvals need a new plan.
	var approving []string
	for _, r := range b.live() {
		if len(r.approvals) > 0 {
			approving = append(approving, r.tenant)
		}
	}
	if len(approving) > 0 {
		plans = b.plan(ctx, approving)
	}
	for _, r := range b.live() {
		r.approved = r.first
		if len(r.approvals) > 0 {
			r.approved = plans[r.tenant]
		}
		if r.c.expect == expectBlocked {
			r.blocked()
			r.done = true
		} else if r.approved.Action == planner.ActionFailed || r.approved.Blocked() {
			r.fail("plan with approvals %q:\n%s", r.approvals, planText(r.approved))
		}
	}
	// Judged cases leave the repo, so the apply is of the others alone.
	if !b.load("desired with approvals, converging cases alone") {
		return
	}
	b.converge(ctx)
}

// provision applies the repo at current: every tenant must be created at
// exactly current (apply itself verifies by planning again).
func (b *confBatch) provision(ctx context.Context) {
	results := b.apply(ctx)
	for _, r := range b.live() {
		if _, err := appliedSQL(results[r.tenant]); err != nil {
			r.fail("provision at current: %w", err)
			continue
		}
		b.same(ctx, r, "provisioned at current")
	}
	for _, r := range b.live() {
		if err := b.insert(ctx, r); err != nil {
			r.fail("%w", err)
		}
	}
}

// converge applies the approved plans and checks that apply ran what the
// plan listed, that a new plan is in sync and that every live schema is
// desired as plain SQL creates it.
func (b *confBatch) converge(ctx context.Context) {
	results := b.apply(ctx)
	for _, r := range b.live() {
		var planned []string
		for _, st := range r.approved.Statements {
			planned = append(planned, st.SQL)
		}
		ran, err := appliedSQL(results[r.tenant])
		switch {
		case err != nil:
			r.fail("apply of desired: %w", err)
		case !slices.Equal(planned, ran):
			r.fail("apply ran other statements than plan listed:\nplan:\n  %s\napply:\n  %s", strings.Join(planned, "\n  "), strings.Join(ran, "\n  "))
		}
	}
	b.inSync(ctx, "after apply")
	for _, r := range b.live() {
		b.same(ctx, r, "applied desired")
		if r.err == nil {
			if err := b.checks(ctx, r); err != nil {
				r.fail("%w", err)
			}
		}
	}
}

// appliedSQL checks one tenant's apply (converged, every statement applied)
// and returns the statements it ran.
func appliedSQL(tr TenantResult) ([]string, error) {
	if tr.Outcome != OutcomeConverged {
		return nil, fmt.Errorf("outcome %s, want converged: %s; statements:\n  %s", tr.Outcome, tr.Error, recordLines(tr.Statements))
	}
	var ran []string
	for _, st := range tr.Statements {
		if st.Outcome != landlord.StatementApplied {
			return nil, fmt.Errorf("converged with a statement %s: %s", st.Outcome, st.SQL)
		}
		ran = append(ran, st.SQL)
	}
	return ran, nil
}

// inSync checks that a plan lists nothing for any tenant, not even an
// unmanaged table.
func (b *confBatch) inSync(ctx context.Context, when string) {
	plans := b.plan(ctx, nil)
	for _, r := range b.live() {
		if tp := plans[r.tenant]; tp.Action != planner.ActionNone || len(tp.Statements) > 0 || len(tp.Unmanaged) > 0 {
			r.fail("plan %s, want in sync:\n%s", when, planText(tp))
		}
	}
}

// load writes the repo with the live runs' layers and approvals and loads it
// as `strata validate` does. A case the validation names fails and leaves
// the repo; any other failure to load fails every case.
func (b *confBatch) load(what string) bool {
	fleet, err := b.write()
	var ds spec.Diagnostics
	if errors.As(err, &ds) {
		for _, r := range b.live() {
			for _, d := range ds {
				if strings.HasPrefix(d.Path, "templates/"+r.tenant+"/") || strings.HasPrefix(d.Path, "tenants/"+r.tenant+"/") {
					r.fail("validate %s: %s", what, d)
				}
			}
		}
		fleet, err = b.write()
	}
	if err != nil {
		for _, r := range b.live() {
			r.fail("config repo at %s: %w", what, err)
		}
		return false
	}
	b.f.fleet = fleet
	return len(b.live()) > 0
}

// write rewrites the config repo: one server, InnoDB, MyISAM and Aria
// allowed, and per live run a template holding its layer and a tenant of
// that template with its approvals.
func (b *confBatch) write() (*spec.Fleet, error) {
	if err := os.RemoveAll(b.dir); err != nil {
		return nil, err
	}
	files := map[string]string{
		"strata.yaml": fmt.Sprintf("servers:\n  main:\n    dsn: %s\ndefaults:\n  server: main\ndatabase_prefix: %s\nlandlord: { database: %sll }\nlayers: { engines: [InnoDB, MyISAM, Aria] }\n",
			strconv.Quote(b.dsn), b.prefix, b.prefix),
	}
	for _, r := range b.live() {
		quoted := make([]string, len(r.approvals))
		for i, a := range r.approvals {
			quoted[i] = strconv.Quote(a)
		}
		files["templates/"+r.tenant+"/template.yaml"] = "name: " + r.tenant + "\nversion: 1.0.0\n"
		files[confLayerPath(r.tenant)] = r.sql
		files["tenants/"+r.tenant+"/tenant.yaml"] = fmt.Sprintf("name: %s\ntemplate: %s\napprove: { destructive: [%s] }\n",
			r.tenant, r.tenant, strings.Join(quoted, ", "))
	}
	if err := writeFiles(b.dir, files); err != nil {
		return nil, err
	}
	return spec.LoadDir(b.dir)
}

// confLayerPath is where a case's layer lives in the config repo.
func confLayerPath(tenant string) string { return "templates/" + tenant + "/schema.sql" }

func writeFiles(dir string, files map[string]string) error {
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// plan plans the named tenants (every one when nil) with a new reconciler
// of the fleet as loaded.
func (b *confBatch) plan(ctx context.Context, tenants []string) map[string]planner.TenantPlan {
	out := map[string]planner.TenantPlan{}
	b.withReconciler(ctx, "plan", func(ctx context.Context, rec *Reconciler) error {
		p, err := rec.Plan(ctx, tenants)
		if err != nil {
			return err
		}
		for _, tp := range p.Tenants {
			out[tp.Name] = tp
		}
		return nil
	})
	return out
}

// apply applies every tenant with a new reconciler of the fleet as loaded.
func (b *confBatch) apply(ctx context.Context) map[string]TenantResult {
	out := map[string]TenantResult{}
	b.withReconciler(ctx, "apply", func(ctx context.Context, rec *Reconciler) error {
		res, err := rec.Apply(ctx, nil)
		if err != nil {
			return err
		}
		for _, tr := range res.Tenants {
			out[tr.Name] = tr
		}
		return nil
	})
	return out
}

// withReconciler runs fn with a new reconciler of the fleet as loaded, as
// a new strata process would; an error fails every live run.
func (b *confBatch) withReconciler(ctx context.Context, what string, fn func(context.Context, *Reconciler) error) {
	rec, err := New(b.f.fleet, Options{Commit: "c", SecretKey: b.f.key, Concurrency: confConcurrency})
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		err = fn(ctx, rec)
		cancel()
		rec.Close()
	}
	if err != nil {
		for _, r := range b.live() {
			r.fail("%s: %w", what, err)
		}
	}
}

// confConcurrency is each batch's tenants worked on at once (Options.Concurrency).
const confConcurrency = 3
