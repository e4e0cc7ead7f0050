package planner

import (
	"fmt"
	"sort"
	"strings"
)

// LiveFinding says why a tenant's live database is not where the pull
// request's change starts from (its schema at the base).
type LiveFinding string

// Live findings, from the most to the least urgent.
const (
	// LiveFailed: the tenant could not be planned against its live database.
	LiveFailed LiveFinding = "failed"
	// LiveMissing: the database does not exist; the merge creates it with
	// the whole head schema.
	LiveMissing LiveFinding = "missing"
	// LiveDrifted: strata applied the base's schema, and the database was
	// changed outside strata since.
	LiveDrifted LiveFinding = "drifted"
	// LivePending: the landlord has no apply of the base's schema (changes
	// merged before this pull request not yet applied, or never applied).
	LivePending LiveFinding = "pending"
	// LiveExists: the tenant is new in the pull request but its database
	// already exists.
	LiveExists LiveFinding = "exists"
	// LiveUnmanaged: the statements are the pull request's, but the database
	// has tables no layer declares.
	LiveUnmanaged LiveFinding = "unmanaged"
)

// LiveRecord is what the landlord holds about a tenant (see
// reconciler/landlord.Tenant), read without changing anything.
type LiveRecord struct {
	Status      string // landlord status: active, drifted, failed, ...
	DesiredHash string // layer hash of the spec last applied
	LastApplied string // commit last applied; "" when never
	LastError   string
}

// PRLive is what the merge meets on the live databases: the head planned
// against every live tenant database, compared with the base -> head change.
type PRLive struct {
	// Tenants are those whose live plan is not the pull request's change,
	// sorted by name. A tenant at the base schema is not listed.
	Tenants []PRLiveTenant `json:"tenants"`
	// Note says what limited the comparison, e.g. a landlord that does not
	// exist yet.
	Note    string        `json:"note,omitempty"`
	Summary PRLiveSummary `json:"summary"`
	// Drops are the data each approved DROP TABLE or DROP COLUMN will
	// archive or lose, per tenant, measured on the live database.
	Drops []PRLiveDrop `json:"drops,omitempty"`
}

// PRLiveDrop is what one approved drop archives or loses in one tenant.
type PRLiveDrop struct {
	Tenant   string `json:"tenant"`
	Kind     string `json:"kind"`   // "table" or "column"
	Object   string `json:"object"` // "notes" or "members.fax"
	Rows     int64  `json:"rows"`   // the table's rows
	Values   int64  `json:"values"` // a column's non-NULL values; a table's rows
	Bytes    int64  `json:"bytes"`
	Archived bool   `json:"archived"` // kept for the retention; false: lost
	Note     string `json:"note"`
}

// liveDrops returns the drops of a tenant's live plan with their sizes.
func liveDrops(t TenantPlan) []PRLiveDrop {
	var out []PRLiveDrop
	for _, s := range t.Statements {
		a := s.Archive
		if a == nil || a.Replaces == "" || a.Op == ArchiveRestore || s.Approval == "" {
			continue
		}
		out = append(out, PRLiveDrop{Tenant: t.Name, Kind: a.Kind, Object: a.Object, Rows: a.Rows, Values: a.Values, Bytes: a.Bytes,
			Archived: a.Op == ArchiveKeep, Note: a.Note})
	}
	return out
}

// diffStatements returns a live plan's statements as the diff made them:
// the archive statements strata added are left out, and one that stands
// for a diff's statement (a RENAME for its DROP TABLE) reads as that one.
func diffStatements(stmts []Statement) []Statement {
	out := make([]Statement, 0, len(stmts))
	for _, s := range stmts {
		switch {
		case s.Archive == nil:
		case s.Archive.Replaces != "":
			s.SQL = s.Archive.Replaces
		case s.Archive.Op != "":
			continue // added by strata for the archive
		}
		out = append(out, s)
	}
	return out
}

// PRLiveTenant is one tenant whose live database is not at the base.
type PRLiveTenant struct {
	Name     string      `json:"name"`
	Template string      `json:"template,omitempty"`
	Finding  LiveFinding `json:"finding"`
	// Record is the landlord's word on the tenant, e.g. "active, last
	// applied COMMIT"; "" when the landlord has no record.
	Record string `json:"record,omitempty"`
	// Action is what applying the head does to the live database.
	Action Action `json:"action"`
	// Extra are statements applying the head runs here beyond the pull
	// request's change: pending changes, or the repair of drift.
	Extra []Statement `json:"extra,omitempty"`
	// Absent are statements of the pull request's change that do not run
	// here as planned: the live database already has them, or differs where
	// they apply.
	Absent []Statement `json:"absent,omitempty"`
	// Unmanaged are live tables no layer declares that the change itself
	// does not leave behind.
	Unmanaged []Drift `json:"unmanaged,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// PRLiveSummary counts the tenants compared with their live databases.
type PRLiveSummary struct {
	Tenants   int `json:"tenants"` // compared (suspended, decommissioned and failed-validation ones are not)
	AtBase    int `json:"at_base"`
	Failed    int `json:"failed"`
	Missing   int `json:"missing"`
	Drifted   int `json:"drifted"`
	Pending   int `json:"pending"`
	Exists    int `json:"exists"`
	Unmanaged int `json:"unmanaged"`
}

// CompareLive sets p.Live from live, the head fleet planned against the
// live databases, and records, the landlord's tenants by name (nil when the
// landlord has none). Each tenant's live statements are compared with the
// pull request's by SQL: equal means the live schema is at the base as far
// as this change can tell, and the merge runs exactly what the comment shows.
func (p *PRPlan) CompareLive(live *Plan, records map[string]LiveRecord, note string) {
	byName := map[string]TenantPlan{}
	for _, t := range live.Tenants {
		byName[t.Name] = t
	}
	baseHash := map[string]string{} // Fleet.Tenant is a linear search
	if p.Base.Fleet != nil {
		for _, t := range p.Base.Fleet.Tenants {
			baseHash[t.Name] = t.LayerHash()
		}
	}
	l := &PRLive{Tenants: []PRLiveTenant{}, Note: note}
	for _, pt := range p.Tenants {
		lt, ok := byName[pt.Name]
		if !ok || pt.Action == ActionSkip || pt.Action == ActionFailed || lt.Action == ActionSkip {
			continue
		}
		l.Summary.Tenants++
		rec, known := records[pt.Name]
		t := PRLiveTenant{Name: pt.Name, Template: pt.Template, Action: lt.Action, Error: lt.Error}
		if known {
			t.Record = recordText(rec)
		}
		l.Drops = append(l.Drops, liveDrops(lt)...)
		ls := diffStatements(lt.Statements)
		t.Extra = subtract(ls, pt.Statements)
		t.Absent = subtract(pt.Statements, ls)
		t.Unmanaged = subtractDrift(lt.Unmanaged, pt.Unmanaged)
		same := len(t.Extra) == 0 && len(t.Absent) == 0
		switch {
		case lt.Action == ActionFailed:
			t.Finding = LiveFailed
		case lt.Action == ActionCreate && pt.Action != ActionCreate:
			// The whole schema is "extra"; the finding says it all.
			t.Finding, t.Extra, t.Absent = LiveMissing, nil, nil
		case same && len(t.Unmanaged) == 0:
			l.Summary.AtBase++
			continue
		case same:
			t.Finding = LiveUnmanaged
		case pt.Action == ActionCreate:
			t.Finding = LiveExists
		case known && rec.DesiredHash != "" && rec.DesiredHash == baseHash[pt.Name]:
			t.Finding = LiveDrifted
		default:
			t.Finding = LivePending
		}
		l.Tenants = append(l.Tenants, t)
		switch t.Finding {
		case LiveFailed:
			l.Summary.Failed++
		case LiveMissing:
			l.Summary.Missing++
		case LiveDrifted:
			l.Summary.Drifted++
		case LivePending:
			l.Summary.Pending++
		case LiveExists:
			l.Summary.Exists++
		case LiveUnmanaged:
			l.Summary.Unmanaged++
		}
	}
	p.Live = l
}

func recordText(r LiveRecord) string {
	s := r.Status
	if r.LastApplied != "" {
		c := r.LastApplied
		if len(c) > 12 {
			c = c[:12]
		}
		s += ", last applied " + c
	} else {
		s += ", never applied"
	}
	if r.LastError != "" {
		s += ": " + firstLine(r.LastError)
	}
	return s
}

// subtract returns the statements of a whose SQL b does not have, counting
// repeats.
func subtract(a, b []Statement) []Statement {
	have := map[string]int{}
	for _, s := range b {
		have[s.SQL]++
	}
	var out []Statement
	for _, s := range a {
		if have[s.SQL] > 0 {
			have[s.SQL]--
			continue
		}
		out = append(out, s)
	}
	return out
}

func subtractDrift(a, b []Drift) []Drift {
	have := map[string]bool{}
	for _, d := range b {
		have[d.Object] = true
	}
	var out []Drift
	for _, d := range a {
		if !have[d.Object] {
			out = append(out, d)
		}
	}
	return out
}

// Failed reports whether a tenant could not be planned against its live
// database.
func (l *PRLive) Failed() bool { return l != nil && l.Summary.Failed > 0 }

// PRLiveGroup is a set of tenants with the same live finding and the same
// difference from the pull request's change.
type PRLiveGroup struct {
	Finding   LiveFinding `json:"finding"`
	Tenants   []string    `json:"tenants"`            // sorted
	Template  string      `json:"template,omitempty"` // shared by every tenant of the group, if any
	Record    string      `json:"record,omitempty"`
	Action    Action      `json:"action"`
	Extra     []Statement `json:"extra,omitempty"`
	Absent    []Statement `json:"absent,omitempty"`
	Unmanaged []Drift     `json:"unmanaged,omitempty"`
	Error     string      `json:"error,omitempty"`
}

// Groups returns l's tenants grouped by identical finding: failures first,
// then missing databases, drift, pending changes, existing databases and
// unmanaged tables, larger groups first.
func (l *PRLive) Groups() []PRLiveGroup {
	if l == nil {
		return nil
	}
	var (
		out   []PRLiveGroup
		byKey = map[string]int{}
	)
	for _, t := range l.Tenants {
		key := liveKey(t)
		i, ok := byKey[key]
		if !ok {
			i = len(out)
			byKey[key] = i
			out = append(out, PRLiveGroup{Finding: t.Finding, Template: t.Template, Record: t.Record, Action: t.Action,
				Extra: t.Extra, Absent: t.Absent, Unmanaged: t.Unmanaged, Error: t.Error})
		}
		if out[i].Template != t.Template {
			out[i].Template = ""
		}
		out[i].Tenants = append(out[i].Tenants, t.Name)
	}
	for i := range out {
		sort.Strings(out[i].Tenants)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := findingRank(a.Finding), findingRank(b.Finding); ra != rb {
			return ra < rb
		}
		if len(a.Tenants) != len(b.Tenants) {
			return len(a.Tenants) > len(b.Tenants)
		}
		return a.Tenants[0] < b.Tenants[0]
	})
	return out
}

// liveKey groups tenants by everything a group shows except their names.
func liveKey(t PRLiveTenant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%s", t.Finding, t.Action, t.Record, t.Error)
	for _, list := range [][]Statement{t.Extra, t.Absent} {
		b.WriteString("\x00|")
		for _, s := range list {
			fmt.Fprintf(&b, "\x00%s %t %s\x01%s", s.Kind, s.Blocked, s.Approval, s.SQL)
		}
	}
	for _, u := range t.Unmanaged {
		b.WriteString("\x00u " + u.Object)
	}
	return b.String()
}

func findingRank(f LiveFinding) int {
	for i, x := range []LiveFinding{LiveFailed, LiveMissing, LiveDrifted, LivePending, LiveExists, LiveUnmanaged} {
		if f == x {
			return i
		}
	}
	return 99
}

// Text says what a finding means for the merge.
func (f LiveFinding) Text() string {
	switch f {
	case LiveFailed:
		return "could not be planned against the live database"
	case LiveMissing:
		return "the database does not exist: applying the merge creates it with the whole schema"
	case LiveDrifted:
		return "changed outside strata since strata applied the base; its live plan differs as below, and what apply does about it follows the tenant's drift strategy (`strata drift` shows the differences)"
	case LivePending:
		return "not at the base: changes merged earlier are not applied yet, and applying the merge runs them too"
	case LiveExists:
		return "new in this pull request, but its database already exists: applying the merge diffs against it"
	case LiveUnmanaged:
		return "has tables no layer declares (kept; never dropped without approval)"
	}
	return string(f)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// FormatBytes writes a size in B, KB, MB or GB (1024-based), as plans and
// their notes show the data a drop archives or loses.
func FormatBytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
