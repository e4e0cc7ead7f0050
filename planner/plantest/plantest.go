// Package plantest builds plans for the tests of planner and reconciler/render.
package plantest

import (
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// AddColumn is an additive statement adding col to table.
func AddColumn(table, col string) planner.Statement {
	return planner.Statement{SQL: fmt.Sprintf("ALTER TABLE `%s` ADD COLUMN `%s` varchar(30) NULL", table, col), Kind: planner.Additive}
}

// PRPlan returns a valid PRPlan with the given tenants.
func PRPlan(tenants ...planner.PRTenant) *planner.PRPlan {
	valid := &spec.Fleet{}
	return &planner.PRPlan{
		Base:    planner.PRSide{Ref: "main", Fleet: valid},
		Head:    planner.PRSide{Ref: "feature", Fleet: valid},
		Tenants: tenants,
	}
}

// PRTenant is a tenant of a PR plan with its template, action and statements.
func PRTenant(name, template string, action planner.Action, stmts ...planner.Statement) planner.PRTenant {
	return planner.PRTenant{Template: template, TenantPlan: planner.TenantPlan{Name: name, Action: action, Statements: stmts}}
}
