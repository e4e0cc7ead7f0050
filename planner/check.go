package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlcheck"
)

// check runs Atlas's sqlcheck analyzers over the planned steps, as if they
// were one migration file with a statement per step, and returns the
// diagnostic codes of each step (sorted, without duplicates).
func (p *Planner) check(ctx context.Context, from, to *schema.Schema, steps []step) ([][]string, error) {
	f := &sqlcheck.File{
		From: &schema.Realm{Schemas: []*schema.Schema{from}},
		To:   &schema.Realm{Schemas: []*schema.Schema{to}},
	}
	for i, s := range steps {
		f.Changes = append(f.Changes, &sqlcheck.Change{
			Changes: schema.Changes{s.source},
			Stmt:    &migrate.Stmt{Pos: i, Text: s.sql},
		})
	}
	codes := make([][]string, len(steps))
	for _, az := range p.analyzers {
		var reported bool
		pass := &sqlcheck.Pass{
			File: f,
			Dev:  p.dev,
			Reporter: sqlcheck.ReportWriterFunc(func(r sqlcheck.Report) {
				reported = true
				for _, d := range r.Diagnostics {
					if d.Pos >= 0 && d.Pos < len(codes) && d.Code != "" && !slices.Contains(codes[d.Pos], d.Code) {
						codes[d.Pos] = append(codes[d.Pos], d.Code)
					}
				}
			}),
		}
		// Analyzers configured to fail on findings return an error after
		// reporting them; only an error without a report is a failure.
		if err := az.Analyze(ctx, pass); err != nil && !reported {
			return nil, fmt.Errorf("planner: sqlcheck: %w", err)
		}
	}
	for i := range codes {
		slices.Sort(codes[i])
	}
	return codes, nil
}

// dataDependent reports whether any code says the statement may fail or
// change data depending on the rows that exist: MF1xx (unique index or NOT
// NULL on existing data) and MY101 (implicit update of existing rows).
func dataDependent(codes []string) bool {
	for _, c := range codes {
		if strings.HasPrefix(c, "MF") || c == "MY101" {
			return true
		}
	}
	return false
}
