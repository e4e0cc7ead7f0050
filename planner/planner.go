package planner

import (
	"context"
	"database/sql"
	"errors"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/spec"
)

// Planner plans tenants on one server. It is safe for concurrent use.
type Planner struct {
	db *sql.DB
}

// New returns a Planner for the server db connects to (a user that can read
// every tenant database's information_schema).
func New(ctx context.Context, db *sql.DB) (*Planner, error) {
	return nil, errors.New("planner: not implemented")
}

// Inspect returns the live schema of database, or (nil, nil) when it does not exist.
func (p *Planner) Inspect(ctx context.Context, database string) (*schema.Schema, error) {
	return nil, errors.New("planner: not implemented")
}

// Plan plans t against desired: ActionCreate with the full schema when the
// database does not exist, otherwise the diff, classified, with approvals applied.
// Errors are reported in the TenantPlan (ActionFailed), never returned.
func (p *Planner) Plan(ctx context.Context, t *spec.Tenant, desired *layers.Desired) TenantPlan {
	return TenantPlan{Name: t.Name, Action: ActionFailed, Error: "not implemented"}
}
