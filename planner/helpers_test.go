package planner_test

import (
	"fmt"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

func addColumn(table, col string) planner.Statement {
	return planner.Statement{SQL: fmt.Sprintf("ALTER TABLE `%s` ADD COLUMN `%s` varchar(30) NULL", table, col), Kind: planner.Additive}
}

// prPlan returns a valid PRPlan with the given tenants.
func prPlan(tenants ...planner.PRTenant) *planner.PRPlan {
	valid := &spec.Fleet{}
	return &planner.PRPlan{
		Base:    planner.PRSide{Ref: "main", Fleet: valid},
		Head:    planner.PRSide{Ref: "feature", Fleet: valid},
		Tenants: tenants,
	}
}

func prTenant(name, template string, action planner.Action, stmts ...planner.Statement) planner.PRTenant {
	return planner.PRTenant{Template: template, TenantPlan: planner.TenantPlan{Name: name, Action: action, Statements: stmts}}
}
