package planner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/spec"
)

// step is one planned statement and the change that caused it.
type step struct {
	sql, comment string
	source       schema.Change
	class
	group
	note string // why a blocked step waits, or how to keep data
}

// diff plans live towards a copy of desired. Tables only live has are
// unmanaged drift unless their DROP TABLE is approved. Declared renames run
// first; live is renamed in place to match. ex, when not nil, adds strata's
// own statements for what Atlas's changes miss and collects the differences
// left (exact.go).
func (p *Planner) diff(ctx context.Context, live, desired *schema.Schema, approve spec.Approve, decl []spec.Rename, ex *exact) ([]Statement, []Drift, error) {
	to := CopySchema(desired, live.Name)
	renamed, err := renames(live, to, decl)
	if err != nil {
		return nil, nil, fmt.Errorf("planner: %w", err)
	}
	before := liveIndexes(live)
	keepWidths(live)
	keepWidths(to)
	changes, err := p.drv.SchemaDiff(live, to)
	if err != nil {
		return nil, nil, fmt.Errorf("planner: diff: %w", err)
	}
	keepWidths(to) // SchemaDiff strips integer display widths in place
	changes, us := prepare(changes, live, before, to)
	var (
		keep      []schema.Change
		unmanaged []Drift
		defaults  []Statement
	)
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.ModifySchema:
			// The database's default charset or collation differs from the
			// fleet's (an adopted database, a hand-made change): set it, or
			// the tenant would read in sync by omission.
			defaults = databaseDefaults(live, to)
			continue
		case *schema.DropTable:
			if cls := classifyTable(c); !Approved(approve, cls.approval) {
				unmanaged = append(unmanaged, Drift{
					Object: "TABLE " + c.T.Name,
					Detail: fmt.Sprintf("no layer declares it; kept (to drop it, add `%s` under approve.destructive)%s", cls.approval, tableRenameHint(c.T.Name)),
				})
				continue
			}
		}
		keep = append(keep, c)
	}
	var (
		steps []step
		codes [][]string
	)
	if len(keep) > 0 || len(renamed) > 0 {
		if steps, err = p.steps(ctx, keep, us, renameHints(keep)); err != nil {
			return nil, nil, err
		}
		if len(renamed) > 0 {
			first, err := p.renameSteps(ctx, renamed)
			if err != nil {
				return nil, nil, err
			}
			steps = append(first, steps...)
		}
		ex.creates(steps, keep)
		if codes, err = p.check(ctx, live, to, steps); err != nil {
			return nil, nil, err
		}
	}
	stmts := append(defaults, statements(steps, codes, approve)...)
	// What the statements touch: a unit's changes are in its step's source.
	planned := append(append([]schema.Change(nil), changes...), renamed...)
	for _, s := range steps {
		planned = append(planned, s.source)
	}
	ex.renamed(renamed)
	for _, st := range ex.supplement(planned, live, to) {
		if st.Kind == Destructive {
			st.Blocked = !Approved(approve, st.Approval)
		}
		stmts = append(stmts, st)
	}
	return stmts, unmanaged, nil
}

// steps plans changes in Atlas's order (tables sorted by their foreign-key
// dependencies), splitting every ALTER TABLE that mixes destructive and other
// changes so each destructive change or unit is a statement of its own: one
// approval per statement, and a blocked drop never holds back an added
// column. Foreign-key drops then move to the front (a column, index or table
// they use cannot go before them, in whichever table it is) and re-added
// foreign keys to the end (what they reference exists by then).
func (p *Planner) steps(ctx context.Context, changes []schema.Change, us units, hints map[schema.Change]string) ([]step, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	plan, err := p.drv.PlanChanges(ctx, "", changes, planOpts...)
	if err != nil {
		return nil, fmt.Errorf("planner: plan: %w", err)
	}
	var out []step
	for _, mc := range plan.Changes {
		m, ok := mc.Source.(*schema.ModifyTable)
		if !ok {
			out = append(out, step{sql: mc.Cmd, comment: mc.Comment, source: mc.Source, class: classifyTable(mc.Source), group: groupRest})
			continue
		}
		pieces := split(m, us)
		if len(pieces) == 1 && pieces[0].change == m {
			out = append(out, step{sql: mc.Cmd, comment: mc.Comment, source: m, class: pieces[0].class, group: pieces[0].group, note: noteOf(m, hints)})
			continue
		}
		for _, pc := range pieces {
			sub, err := p.drv.PlanChanges(ctx, "", []schema.Change{pc.change}, planOpts...)
			if err != nil {
				return nil, fmt.Errorf("planner: plan %s: %w", m.T.Name, err)
			}
			for _, sc := range sub.Changes {
				sql := sc.Cmd
				if pc.after != "" {
					sql += " " + pc.after
				}
				if pc.ifExists {
					sql = strings.Replace(sql, " DROP INDEX ", " DROP INDEX IF EXISTS ", 1)
				}
				out = append(out, step{sql: sql, comment: sc.Comment, source: pc.change, class: pc.class, group: pc.group, note: noteOf(pc.change, hints)})
			}
		}
	}
	rideWithTableDrops(out, changes)
	slices.SortStableFunc(out, func(a, b step) int { return cmp.Compare(rank(a.group), rank(b.group)) })
	return out, nil
}

// rank orders the steps of all tables: foreign-key drops first, re-added
// foreign keys last, everything else in between in Atlas's order.
func rank(g group) int {
	switch g {
	case groupFKDrop:
		return 0
	case groupFKAdd:
		return 2
	}
	return 1
}

// noteOf is the hint of the first change of m that has one.
func noteOf(m *schema.ModifyTable, hints map[schema.Change]string) string {
	for _, c := range m.Changes {
		if h, ok := hints[c]; ok {
			return h
		}
	}
	return ""
}

// piece is part of an ALTER TABLE planned as its own statement.
type piece struct {
	change *schema.ModifyTable
	class
	group
	after    string
	ifExists bool
}

// split divides m into statements, in the order of their groups: foreign-key
// drops, index and constraint drops, every non-destructive change together,
// column drops and narrowing changes, late index drops, then re-added
// foreign keys. Each
// destructive change is alone, unless it belongs to a unit, which is one
// statement with its class.
func split(m *schema.ModifyTable, us units) []piece {
	var (
		byGroup     [groupFKAdd + 1][]piece
		restChanges []schema.Change
		seen        = make(map[*unit]bool)
	)
	restKind := Additive
	for _, c := range implied(m.Changes) {
		if u, ok := us[c]; ok {
			if !seen[u] {
				seen[u] = true
				byGroup[u.group] = append(byGroup[u.group], piece{&schema.ModifyTable{T: m.T, Changes: u.changes}, u.class, u.group, u.after, u.ifExists})
			}
			continue
		}
		cls := classifyModify(m.T.Name, c)
		if cls.kind != Destructive {
			restChanges = append(restChanges, c)
			if cls.kind == DataDependent {
				restKind = DataDependent
			}
			continue
		}
		pc := piece{change: &schema.ModifyTable{T: m.T, Changes: []schema.Change{c}}, class: cls, group: groupCols}
		switch c.(type) {
		case *schema.DropForeignKey:
			pc.group = groupFKDrop
		case *schema.DropIndex, *schema.DropPrimaryKey, *schema.DropCheck:
			pc.group = groupDrop
		}
		byGroup[pc.group] = append(byGroup[pc.group], pc)
	}
	if len(restChanges) > 0 {
		byGroup[groupRest] = []piece{{change: &schema.ModifyTable{T: m.T, Changes: restChanges}, class: class{kind: restKind}, group: groupRest}}
	}
	var out []piece
	for _, g := range byGroup {
		out = append(out, g...)
	}
	if len(out) == 1 && len(seen) == 0 {
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

// databaseDefaults is the statement that gives a live tenant database
// desired's default charset and collation. It changes no existing table or
// column: only what later CREATE TABLEs inherit. A database planned from
// nothing (no attributes read) is created with them already.
func databaseDefaults(live, desired *schema.Schema) []Statement {
	lcs, lcoll := charset(live)
	cs, coll := charset(desired)
	if lcs == "" && lcoll == "" || cs == "" || coll == "" || lcs == cs && lcoll == coll {
		return nil
	}
	return []Statement{{
		SQL:     fmt.Sprintf("ALTER DATABASE CHARACTER SET %s COLLATE %s", cs, coll),
		Comment: "set the database's default charset and collation",
		Kind:    Additive,
	}}
}

// charset returns s's default charset and collation ("" when not read).
func charset(s *schema.Schema) (cs, coll string) {
	for _, a := range s.Attrs {
		switch a := a.(type) {
		case *schema.Charset:
			cs = a.V
		case *schema.Collation:
			coll = a.V
		}
	}
	return cs, coll
}
