package planner_test

import "github.com/stratadb/strata/planner/plantest"

var (
	addColumn = plantest.AddColumn
	prPlan    = plantest.PRPlan
	prTenant  = plantest.PRTenant
)
