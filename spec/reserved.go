package spec

import (
	"fmt"
	"strings"
)

// SeedsTable is the table strata keeps in a tenant database once a seed has
// run there: one row per seed file, written in the seed's own transaction,
// so a seed that committed is known to have run even when strata died
// before the landlord heard of it. The planner, fingerprints, snapshots and
// drift detection leave it out: it is strata's, not the schema's.
const SeedsTable = "_strata_seeds"

// reservedTable reports a statement that names SeedsTable (as a table, a
// column, anywhere): a layer declaring it would fight strata over it (the
// planner leaves it out, so its CREATE would be planned on every run) and a
// seed writing it would make strata run a seed again, or never. Compared
// case-insensitively, as servers with lower_case_table_names do.
func reservedTable(toks []token, what string) (sqlProblem, bool) {
	for _, t := range toks {
		name := t.text
		switch t.kind {
		case tokIdent:
			name = strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(name, "`"), "`"), "``", "`")
		case tokWord:
		default:
			continue
		}
		if strings.EqualFold(name, SeedsTable) {
			return sqlProblem{t, fmt.Sprintf("%s is strata's own table (it records which seeds ran in the tenant): %s", SeedsTable, what),
				"use another name; strata creates and keeps " + SeedsTable + " itself"}, true
		}
	}
	return sqlProblem{}, false
}
