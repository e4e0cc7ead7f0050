// Package drift scores how far a live tenant schema has moved from the
// snapshot strata recorded at that tenant's last successful apply: someone
// changed the database by hand. A Report lists each difference in words
// ("column members.fax added"), sums their weights into a Score and grades
// it into a Severity.
//
// Direction matters: from is the snapshot (what strata applied), to is the
// live schema, so "added" means present in the live database only.
package drift

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/planner"
)

// Object is the kind of schema object a difference concerns.
type Object string

// Objects a difference may concern.
const (
	Table        Object = "table"
	Column       Object = "column"
	Index        Object = "index"
	PrimaryKey   Object = "primary key"
	ForeignKey   Object = "foreign key"
	Check        Object = "check"
	TableOption  Object = "table option"  // engine, charset, collation
	SchemaOption Object = "schema option" // default charset, collation
	Comment      Object = "comment"       // a table's comment
	Other        Object = "object"        // anything else Atlas reports
)

// Change is what happened to an object.
type Change string

// Changes.
const (
	Added    Change = "added"
	Removed  Change = "removed"
	Modified Change = "modified"
	Renamed  Change = "renamed"
)

// Difference is one object that differs between snapshot and live schema.
type Difference struct {
	Object Object `json:"object"`
	Change Change `json:"change"`
	Table  string `json:"table,omitempty"`
	Name   string `json:"name,omitempty"`   // the column, index, key, check or option
	Detail string `json:"detail,omitempty"` // what was modified, e.g. "type, null"
	Weight int    `json:"weight"`
}

// String reads like "column members.fax added" or
// "column members.name modified (type, default)".
func (d Difference) String() string {
	var b strings.Builder
	b.WriteString(string(d.Object))
	b.WriteByte(' ')
	switch {
	case d.Table != "" && d.Name != "":
		b.WriteString(d.Table + "." + d.Name)
	case d.Table != "":
		b.WriteString(d.Table)
	default:
		b.WriteString(d.Name)
	}
	b.WriteByte(' ')
	b.WriteString(string(d.Change))
	if d.Detail != "" {
		b.WriteString(" (" + d.Detail + ")")
	}
	return b.String()
}

// Report is the drift of one schema.
type Report struct {
	Differences []Difference `json:"differences"`
	Score       int          `json:"score"`
	Severity    Severity     `json:"severity"`
	// Changes are Atlas's changes from snapshot to live, without those drift
	// ignores (AUTO_INCREMENT counters).
	Changes []schema.Change `json:"-"`
}

// Drifted reports whether the live schema differs from its snapshot.
func (r Report) Drifted() bool { return len(r.Differences) > 0 }

// Count returns how many differences concern o with change c.
func (r Report) Count(o Object, c Change) int {
	n := 0
	for _, d := range r.Differences {
		if d.Object == o && d.Change == c {
			n++
		}
	}
	return n
}

// Strings returns the differences in words, in report order.
func (r Report) Strings() []string {
	out := make([]string, len(r.Differences))
	for i, d := range r.Differences {
		out[i] = d.String()
	}
	return out
}

// Option configures Compare.
type Option func(*options)

type options struct {
	differ schema.Differ
}

// WithDiffer makes Compare diff with d, typically the *mysql.Driver from
// mysql.Open on the tenant's server, which knows the server's version and
// default collations. Without it Compare uses mysql.DefaultDiff.
func WithDiffer(d schema.Differ) Option {
	return func(o *options) { o.differ = d }
}

// Compare diffs the snapshot from against the live schema to and scores the
// differences. Both must be inspected from a server (or decoded from such an
// inspection): they are diffed as normalized schemas. It diffs copies, so from and to are left as they were, and
// the two may have different names (a snapshot taken under another name
// compares by its objects).
func Compare(from, to *schema.Schema, opts ...Option) (Report, error) {
	o := options{differ: mysql.DefaultDiff}
	for _, opt := range opts {
		opt(&o)
	}
	if from == nil || to == nil {
		return Report{}, fmt.Errorf("drift: compare: nil schema (snapshot %v, live %v)", from != nil, to != nil)
	}
	// Both sides come from inspecting a real server, so they are normalized:
	// in that mode Atlas also compares CHECK expressions, not only names.
	changes, err := o.differ.SchemaDiff(planner.CopySchema(from, to.Name), planner.CopySchema(to, to.Name), schema.DiffNormalized())
	if err != nil {
		return Report{}, fmt.Errorf("drift: diff snapshot with live schema %q: %w", to.Name, err)
	}
	return FromChanges(changes), nil
}

// FromChanges scores changes that Atlas's SchemaDiff (or a planner) already
// computed from the snapshot to the live schema.
func FromChanges(changes []schema.Change) Report {
	r := Report{Differences: []Difference{}}
	for _, c := range changes {
		if kept, diffs := describe(c); kept != nil {
			r.Changes = append(r.Changes, kept)
			r.Differences = append(r.Differences, diffs...)
		}
	}
	for i := range r.Differences {
		d := &r.Differences[i]
		d.Weight = Weight(d.Object, d.Change)
		r.Score += d.Weight
	}
	r.Severity = SeverityOf(r.Score)
	return r
}
