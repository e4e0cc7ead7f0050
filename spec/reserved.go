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

// ArchivePrefix starts the name of every archive table strata keeps in a
// tenant database: a dropped table renamed, or a dropped column copied with
// its table's primary key, kept for the retention and then purged. Like
// SeedsTable they are strata's, not the schema's: layers may not name them
// and the planner, fingerprints, snapshots and drift detection leave them out.
const ArchivePrefix = "_strata_archive_"

// ArchiveLike is ArchivePrefix as a LIKE pattern (its _ escaped).
const ArchiveLike = `\_strata\_archive\_%`

// Reserved reports whether a table name is strata's own in a tenant
// database (SeedsTable or an archive), case-insensitively, as servers with
// lower_case_table_names compare.
func Reserved(name string) bool {
	return strings.EqualFold(name, SeedsTable) ||
		(len(name) >= len(ArchivePrefix) && strings.EqualFold(name[:len(ArchivePrefix)], ArchivePrefix))
}

// reservedTable reports a statement that names SeedsTable or an archive (as a table, a
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
		if Reserved(name) {
			return sqlProblem{t, fmt.Sprintf("%s starts with %s, which strata reserves for the archives of dropped tables and columns: %s", name, ArchivePrefix, what),
				"use another name; strata creates, restores and purges its archives itself (strata archives)"}, true
		}
	}
	return sqlProblem{}, false
}
