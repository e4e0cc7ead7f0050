package planner

import (
	"context"
	"fmt"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec"
)

// statements turns planned steps and their sqlcheck codes into statements,
// blocked where no approval covers them. A drop that needs a foreign key's
// drop first waits for that approval too, and a blocked column drop that
// may be a rename says how to keep the data.
func statements(steps []step, codes [][]string, approve spec.Approve) []Statement {
	stmts := make([]Statement, len(steps))
	for i, s := range steps {
		st := Statement{SQL: s.sql, Comment: s.comment, Kind: s.kind, Codes: codes[i], Approval: s.approval, Objects: objectsOf(s.source)}
		if st.Kind == Additive && dataDependent(st.Codes) {
			st.Kind = DataDependent
		}
		if st.Kind == Destructive {
			st.Blocked = !Approved(approve, st.Approval)
		}
		if st.Blocked {
			st.Note = s.note
		}
		stmts[i] = st
	}
	for i, pre := range prerequisites(steps) {
		for _, j := range pre {
			if stmts[j].Blocked && !stmts[i].Blocked && stmts[j].Approval != "" {
				stmts[i].Blocked, stmts[i].Approval = true, stmts[j].Approval
				stmts[i].Note = "waits for `" + stmts[j].Approval + "`: MariaDB cannot drop or retype what a foreign key uses while the key exists"
			}
		}
	}
	return stmts
}

// renameSteps plans the renames that run before everything else.
func (p *Planner) renameSteps(ctx context.Context, changes []schema.Change) ([]step, error) {
	plan, err := p.drv.PlanChanges(ctx, "", changes, planOpts...)
	if err != nil {
		return nil, fmt.Errorf("planner: plan renames: %w", err)
	}
	out := make([]step, 0, len(plan.Changes))
	for _, mc := range plan.Changes {
		out = append(out, step{sql: mc.Cmd, comment: mc.Comment, source: mc.Source, class: class{kind: Additive}, group: groupRename})
	}
	return out, nil
}

// renameHints notes, for each column drop, that declaring a rename on the
// new column's line keeps the data when the column was renamed.
func renameHints(changes []schema.Change) map[schema.Change]string {
	hints := make(map[schema.Change]string)
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok {
			for _, o := range m.Changes {
				if d, ok := o.(*schema.DropColumn); ok {
					hints[d] = fmt.Sprintf("if %s.%s was renamed, declare it on the new column's line (`-- strata:renamed-from %s`) to keep its data", m.T.Name, d.C.Name, d.C.Name)
				}
			}
		}
	}
	return hints
}

// tableRenameHint says, for a table no layer declares, that declaring a
// rename keeps its data.
func tableRenameHint(name string) string {
	return fmt.Sprintf("; if it was renamed, declare it on the new table's CREATE TABLE line (`-- strata:renamed-from %s`) to keep its data", name)
}
