package planner

import (
	"context"
	"fmt"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec"
)

// step is one planned statement and the change that caused it.
type step struct {
	sql, comment string
	source       schema.Change
	class
}

// diff plans live towards a copy of desired. Tables only live has are
// unmanaged drift unless their DROP TABLE is approved.
func (p *Planner) diff(ctx context.Context, live, desired *schema.Schema, approve spec.Approve) ([]Statement, []Drift, error) {
	to := CopySchema(desired, live.Name)
	changes, err := p.drv.SchemaDiff(live, to)
	if err != nil {
		return nil, nil, fmt.Errorf("planner: diff: %w", err)
	}
	var (
		keep      []schema.Change
		unmanaged []Drift
	)
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.ModifySchema:
			// Database charset and collation belong to provisioning, not to layers.
			continue
		case *schema.DropTable:
			if cls := classifyTable(c); !Approved(approve, cls.approval) {
				unmanaged = append(unmanaged, Drift{
					Object: "TABLE " + c.T.Name,
					Detail: fmt.Sprintf("no layer declares it; kept (to drop it, add `%s` under approve.destructive)", cls.approval),
				})
				continue
			}
		}
		keep = append(keep, c)
	}
	if len(keep) == 0 {
		return []Statement{}, unmanaged, nil
	}
	steps, err := p.steps(ctx, keep)
	if err != nil {
		return nil, nil, err
	}
	codes, err := p.check(ctx, live, to, steps)
	if err != nil {
		return nil, nil, err
	}
	stmts := make([]Statement, len(steps))
	for i, s := range steps {
		st := Statement{SQL: s.sql, Comment: s.comment, Kind: s.kind, Codes: codes[i], Approval: s.approval}
		if st.Kind == Additive && dataDependent(st.Codes) {
			st.Kind = DataDependent
		}
		if st.Kind == Destructive {
			st.Blocked = !Approved(approve, st.Approval)
		}
		stmts[i] = st
	}
	return stmts, unmanaged, nil
}

// steps plans changes in Atlas's order (tables sorted by their foreign-key
// dependencies), splitting every ALTER TABLE that mixes destructive and other
// changes so each destructive change is a statement of its own: one approval
// per statement, and a blocked drop never holds back an added column.
func (p *Planner) steps(ctx context.Context, changes []schema.Change) ([]step, error) {
	plan, err := p.drv.PlanChanges(ctx, "", changes, planOpts...)
	if err != nil {
		return nil, fmt.Errorf("planner: plan: %w", err)
	}
	var (
		out  []step
		done = make(map[schema.Change]bool)
	)
	for _, mc := range plan.Changes {
		m, ok := mc.Source.(*schema.ModifyTable)
		if !ok {
			out = append(out, step{sql: mc.Cmd, comment: mc.Comment, source: mc.Source, class: classifyTable(mc.Source)})
			continue
		}
		pieces := split(m)
		if len(pieces) == 1 {
			out = append(out, step{sql: mc.Cmd, comment: mc.Comment, source: m, class: pieces[0].class})
			continue
		}
		if done[m] {
			continue
		}
		done[m] = true
		for _, pc := range pieces {
			sub, err := p.drv.PlanChanges(ctx, "", []schema.Change{pc.change}, planOpts...)
			if err != nil {
				return nil, fmt.Errorf("planner: plan %s: %w", m.T.Name, err)
			}
			for _, sc := range sub.Changes {
				out = append(out, step{sql: sc.Cmd, comment: sc.Comment, source: pc.change, class: pc.class})
			}
		}
	}
	return out, nil
}

// piece is part of an ALTER TABLE planned as its own statement.
type piece struct {
	change *schema.ModifyTable
	class
}

// split divides m into statements: foreign-key drops first (an index they
// use cannot go before them), then index and constraint drops, then every
// non-destructive change together, then column drops and narrowing changes,
// each destructive change alone.
func split(m *schema.ModifyTable) []piece {
	var fks, idx, rest, cols []piece
	restKind := Additive
	var restChanges []schema.Change
	for _, c := range implied(m.Changes) {
		cls := classifyModify(m.T.Name, c)
		if cls.kind != Destructive {
			restChanges = append(restChanges, c)
			if cls.kind == DataDependent {
				restKind = DataDependent
			}
			continue
		}
		pc := piece{&schema.ModifyTable{T: m.T, Changes: []schema.Change{c}}, cls}
		switch c.(type) {
		case *schema.DropForeignKey:
			fks = append(fks, pc)
		case *schema.DropIndex, *schema.DropPrimaryKey, *schema.DropCheck:
			idx = append(idx, pc)
		default:
			cols = append(cols, pc)
		}
	}
	if len(restChanges) > 0 {
		rest = []piece{{&schema.ModifyTable{T: m.T, Changes: restChanges}, class{kind: restKind}}}
	}
	out := append(append(append(fks, idx...), rest...), cols...)
	if len(out) == 1 {
		out[0].change = m
	}
	return out
}

// implied drops the index drops that dropping their columns implies (MySQL
// removes such an index with its last column), so DROP COLUMN t.c is the
// only approval they need.
func implied(changes []schema.Change) []schema.Change {
	dropped := make(map[string]bool)
	for _, c := range changes {
		if d, ok := c.(*schema.DropColumn); ok {
			dropped[d.C.Name] = true
		}
	}
	out := make([]schema.Change, 0, len(changes))
	for _, c := range changes {
		if d, ok := c.(*schema.DropIndex); ok && len(d.I.Parts) > 0 && allDropped(d.I, dropped) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func allDropped(idx *schema.Index, dropped map[string]bool) bool {
	for _, p := range idx.Parts {
		if p.C == nil || !dropped[p.C.Name] {
			return false
		}
	}
	return true
}
