package planner

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ariga.io/atlas/sql/migrate"
	_ "ariga.io/atlas/sql/mysql/mysqlcheck" // registers the MySQL sqlcheck analyzers under "mysql"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlcheck"
	"ariga.io/atlas/sql/sqlclient"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/spec"
)

// Planner plans tenants on one server. It is safe for concurrent use.
type Planner struct {
	db        *sql.DB
	drv       *layers.Driver
	dev       *sqlclient.Client // Pass.Dev for the sqlcheck analyzers
	analyzers []sqlcheck.Analyzer
}

// New returns a Planner for the server db connects to (a user that can read
// every tenant database's information_schema). It opens one Atlas driver,
// which queries the server version once; reuse the Planner for every tenant
// of the server.
func New(ctx context.Context, db *sql.DB) (*Planner, error) {
	drv, err := layers.OpenDriver(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("planner: %w", err)
	}
	az, err := sqlcheck.AnalyzerFor("mysql", nil)
	if err != nil {
		return nil, fmt.Errorf("planner: sqlcheck analyzers: %w", err)
	}
	if len(az) == 0 {
		return nil, errors.New("planner: no sqlcheck analyzers registered for mysql")
	}
	return &Planner{
		db:        db,
		drv:       drv,
		dev:       &sqlclient.Client{Name: "mysql", DB: db, Driver: drv.Driver},
		analyzers: az,
	}, nil
}

// Inspect returns the live schema of database, or (nil, nil) when it does
// not exist. strata's own tables (spec.Reserved) are left out.
func (p *Planner) Inspect(ctx context.Context, database string) (*schema.Schema, error) {
	s, err := p.drv.InspectSchema(ctx, database, &schema.InspectOptions{Exclude: []string{spec.SeedsTable, spec.ArchivePrefix + "*"}})
	if schema.IsNotExistError(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("planner: inspect %s: %w", database, err)
	}
	return s, nil
}

// planOpts plans unqualified statements: they run inside the tenant database.
var planOpts = []migrate.PlanOption{func(o *migrate.PlanOptions) {
	empty := ""
	o.SchemaQualifier = &empty
}}

// Plan plans t against desired: ActionCreate with the full schema when the
// database does not exist, otherwise the diff, classified, with approvals
// applied. A suspended or decommissioned tenant gets ActionSkip. Errors are
// reported in the TenantPlan (ActionFailed), never returned.
func (p *Planner) Plan(ctx context.Context, t *spec.Tenant, desired *layers.Desired) TenantPlan {
	tp := TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Statements: []Statement{}}
	if t.Status == spec.StatusSuspended || t.Status == spec.StatusDecommissioned {
		tp.Action = ActionSkip
		return tp
	}
	if desired == nil || desired.Schema == nil {
		return failed(tp, &UnplannableError{errors.New("no desired schema (composition failed)")})
	}
	live, err := p.Inspect(ctx, t.Database)
	if err != nil {
		return failed(tp, err)
	}
	return p.PlanFrom(ctx, t, live, desired)
}

// PlanFrom is Plan with the live schema given instead of inspected (nil: the
// database does not exist). live is diffed, not copied.
func (p *Planner) PlanFrom(ctx context.Context, t *spec.Tenant, live *schema.Schema, desired *layers.Desired) TenantPlan {
	return p.planFrom(ctx, t, live, nil, desired)
}

// PlanBetween is PlanFrom with the live schema given as a composition whose
// fingerprint equals the live one: its tables as MariaDB printed them stand
// for the live ones in the exact comparison. base.Schema is diffed, not copied.
func (p *Planner) PlanBetween(ctx context.Context, t *spec.Tenant, base, desired *layers.Desired) TenantPlan {
	var ddl *string
	if base.Snapshot != nil {
		ddl = &base.Snapshot.DDL
	}
	return p.planFrom(ctx, t, base.Schema, ddl, desired)
}

// planFrom plans from live; liveDDL, when not nil, is its snapshot DDL
// (else it is read from t's database).
func (p *Planner) planFrom(ctx context.Context, t *spec.Tenant, live *schema.Schema, liveDDL *string, desired *layers.Desired) TenantPlan {
	tp := TenantPlan{Name: t.Name, Database: t.Database, Server: t.Server, Statements: []Statement{}}
	if desired == nil || desired.Schema == nil {
		return failed(tp, &UnplannableError{errors.New("no desired schema (composition failed)")})
	}
	tp.DesiredHash = desired.Hash
	tp.Action = ActionCreate
	if live != nil {
		tp.Action = ActionNone
	} else {
		live = &schema.Schema{Name: t.Database}
	}
	var ex *exact
	switch {
	case desired.Snapshot != nil && liveDDL != nil:
		ex = &exact{live: parseDDL(*liveDDL), desired: parseDDL(desired.Snapshot.DDL)}
	case desired.Snapshot != nil:
		var err error
		if ex, err = newExact(ctx, p.db, t.Database, tp.Action == ActionNone, desired.Snapshot.DDL); err != nil {
			return failed(tp, err)
		}
	}
	stmts, unmanaged, err := p.diff(ctx, live, desired.Schema, t.Approve, spec.Renames(t.Layers), ex)
	if err != nil {
		return failed(tp, &UnplannableError{err})
	}
	return settle(tp, stmts, unmanaged, ex)
}

// settle gives tp the diff's statements, unmanaged objects and the exact
// comparison's divergences, and the action they call for: a tenant that
// exists changes, is blocked, or has diverged.
func settle(tp TenantPlan, stmts []Statement, unmanaged []Drift, ex *exact) TenantPlan {
	tp.Statements, tp.Unmanaged = stmts, unmanaged
	if ex != nil {
		tp.Divergences = ex.divergences
	}
	if tp.Action == ActionNone && len(stmts) > 0 {
		tp.Action = ActionChange
		if tp.Blocked() {
			tp.Action = ActionBlocked
		}
	}
	if tp.Action == ActionNone && len(tp.Divergences) > 0 {
		tp.Action = ActionDiverged
	}
	return tp
}

func failed(tp TenantPlan, err error) TenantPlan {
	tp.Action = ActionFailed
	tp.Statements = []Statement{}
	tp.Error = err.Error()
	tp.Err = err
	return tp
}

// UnplannableError is a failure no retry mends: the desired schema or a
// declared rename the diff engine cannot turn into statements. It reads
// as the error it wraps.
type UnplannableError struct{ Err error }

func (e *UnplannableError) Error() string { return e.Err.Error() }

func (e *UnplannableError) Unwrap() error { return e.Err }
