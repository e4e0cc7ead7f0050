package drift

// Severity grades how far a live schema has drifted from its snapshot.
type Severity string

// Severities, from no drift to critical.
const (
	None     Severity = "none"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// SeverityOf grades a score with the thresholds of strata's original
// drift detector: >= 20 critical, >= 10 high, >= 5 medium, > 0 low.
func SeverityOf(score int) Severity {
	switch {
	case score >= 20:
		return Critical
	case score >= 10:
		return High
	case score >= 5:
		return Medium
	case score > 0:
		return Low
	default:
		return None
	}
}

// Weight is what one difference adds to a report's score.
//
// Tables, columns and indexes weigh what the original detector gave them:
// a table added, removed or renamed 10, a column added, removed or renamed 5,
// a column modified 3, an index added, removed, modified or renamed 2.
// strata adds:
//   - primary key added, removed or modified: 5, like a column, since it
//     changes row identity and what the application may insert;
//   - foreign key added, removed or modified: 3, like a column
//     modification: an unannounced foreign key rejects writes the
//     application makes, a missing one lets orphans in;
//   - check added, removed or modified: 2, like an index: a constraint that
//     changes which writes pass, not what rows hold;
//   - table or schema option (engine, charset, collation): 3, since changing
//     it rewrites or reinterprets every row; a comment: 1, harmless but
//     still not what was applied;
//   - anything else Atlas reports (a view, a sequence): 3.
//
// So one hand-added column is medium, two are high, a hand-added table is
// high and a table plus two columns is critical.
func Weight(o Object, c Change) int {
	switch o {
	case Table:
		return 10
	case Column:
		if c == Modified {
			return 3
		}
		return 5
	case Index, Check:
		return 2
	case PrimaryKey:
		return 5
	case ForeignKey, TableOption, SchemaOption, Other:
		return 3
	case Comment:
		return 1
	default:
		return 3
	}
}
