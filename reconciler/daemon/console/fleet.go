package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/landlord"
)

// The console's statuses: the landlord's, with "active" split into what an
// operator asks about (converged, pending at the new commit, blocked).
const (
	stConverged = "converged"
	stPending   = "pending"
	stBlocked   = "blocked"
	stPaused    = "paused" // a hold, counted besides the tenant's status
)

// countOrder is the order of the counts on the fleet page.
var countOrder = []string{stConverged, stPending, stBlocked, "failed", "drifted", "diverged", "provisioning",
	"suspended", "decommissioned", "orphaned", stPaused}

// row is one tenant of the fleet table.
type row struct {
	Name       string
	Status     string // console status
	Template   string
	Version    string
	Modules    []string
	Wave       int
	Labels     []string // "k=v", sorted
	labels     map[string]string
	Applied    string // last applied commit
	AppliedAt  time.Time
	LastError  string
	Drift      string // open drift severity
	Hold       *landlord.Hold
	InFlight   bool
	InShard    bool // this daemon converges it
	Converged  bool // at the current commit
	Failures   int
	LastRun    *landlord.RunSummary
	InSpec     bool
	RecordedAs landlord.Status
}

// waveProgress is one wave of the rollout to the current commit.
type waveProgress struct {
	Wave                                  int
	Total, Converged, Failed, Held, Doing int
	Percent                               int
}

// fleetView is the fleet page.
type fleetView struct {
	page
	daemon.Status
	Counts      []count
	DriftCounts []count
	Waves       []waveProgress
	RollingOut  bool
	LastDetect  time.Time
	Rows        []row
	Total       int // rows matching the filter
	All         int // every tenant
	PageNo      int
	Pages       int
	Filter      url.Values
	Templates   []string
	Modules     []string
	Statuses    []string
	Prev, Next  url.Values
	Sorts       []sortLink
	NoLandlord  bool
}

type count struct {
	Name string
	N    int
	Link url.Values
}

type sortLink struct {
	Key, Label string
	Link       url.Values
	Active     string // "", "asc" or "desc"
}

var sortKeys = []struct{ key, label string }{
	{"name", "Tenant"}, {"status", "Status"}, {"template", "Template"}, {"modules", "Modules"}, {"wave", "Wave"},
	{"labels", "Labels"}, {"applied", "Last applied"}, {"run", "Last run"}, {"drift", "Drift"},
}

var severityRank = map[string]int{"": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

func (s *server) fleet(w http.ResponseWriter, r *http.Request) {
	v, err := s.fleetData(r.Context(), r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	v.page = s.page(r, "strata fleet")
	v.Live = true
	s.render(w, r, http.StatusOK, "fleet.html", v)
}

// fleetData builds the fleet page from the daemon's memory and a few
// whole-fleet queries (tenants, holds, open drift), then one query for the
// last runs of the page's rows: its cost grows with the fleet only through
// reading and sorting the tenant records.
func (s *server) fleetData(ctx context.Context, q url.Values) (*fleetView, error) {
	st := s.d.Status()
	v := &fleetView{Status: st}
	v.Status.Tenants = nil
	rows := map[string]*row{}
	get := func(name string) *row {
		if rw := rows[name]; rw != nil {
			return rw
		}
		rw := &row{Name: name}
		rows[name] = rw
		return rw
	}
	if f := s.d.Fleet(); f != nil {
		for _, t := range f.Tenants {
			rw := get(t.Name)
			rw.InSpec, rw.Template, rw.Modules, rw.Wave, rw.labels = true, t.Template, t.Modules, t.Wave, t.Labels
			if tm := f.Templates[t.Template]; tm != nil {
				rw.Version = tm.Version
			}
		}
	}
	for i := range st.Tenants {
		ts := &st.Tenants[i]
		rw := get(ts.Name)
		rw.InShard, rw.Converged, rw.InFlight, rw.Failures, rw.Hold = true, ts.Converged, ts.InFlight, ts.Failures, ts.Hold
		if ts.Class == daemon.ClassBlocked {
			rw.Status = stBlocked
		}
	}
	var drift map[string]string
	if store := s.d.Landlord(); store != nil {
		recs, err := store.TenantSummaries(ctx)
		if missing(err) {
			v.NoLandlord = true
		} else if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			rw := get(rec.Name)
			rw.RecordedAs, rw.Applied, rw.AppliedAt = rec.Status, rec.LastAppliedCommit, rec.LastAppliedAt
			if rec.Blocked {
				rw.LastError = "blocked"
			}
			if !rw.InSpec {
				rw.Template, rw.Modules, rw.Version = rec.Template, rec.Modules, rec.TemplateVersion
			}
		}
		if !v.NoLandlord {
			holds, err := store.Holds(ctx)
			if err != nil {
				return nil, err
			}
			for name, h := range holds {
				if rw := rows[name]; rw != nil {
					h := h
					rw.Hold = &h
				}
			}
			if drift, err = store.DriftSeverities(ctx); err != nil && !missing(err) {
				return nil, err
			}
			if v.LastDetect, err = store.LastDetection(ctx); err != nil && !missing(err) {
				return nil, err
			}
		}
	}
	all := make([]*row, 0, len(rows))
	counts := map[string]int{}
	driftCounts := map[string]int{}
	templates, modules := map[string]bool{}, map[string]bool{}
	waves := map[int]*waveProgress{}
	for _, rw := range rows {
		rw.Drift = drift[rw.Name]
		rw.Status = consoleStatus(rw)
		counts[rw.Status]++
		if rw.Hold != nil {
			counts[stPaused]++
		}
		if rw.Drift != "" {
			driftCounts[rw.Drift]++
		}
		if rw.Template != "" {
			templates[rw.Template] = true
		}
		for _, m := range rw.Modules {
			modules[m] = true
		}
		if rw.InShard {
			wp := waves[rw.Wave]
			if wp == nil {
				wp = &waveProgress{Wave: rw.Wave}
				waves[rw.Wave] = wp
			}
			wp.Total++
			switch {
			case rw.Converged:
				wp.Converged++
			case rw.Hold != nil:
				wp.Held++
			case rw.Status == "failed":
				wp.Failed++
			default:
				wp.Doing++
			}
		}
		all = append(all, rw)
	}
	v.All = len(all)
	for _, name := range countOrder {
		v.Counts = append(v.Counts, count{Name: name, N: counts[name], Link: url.Values{"status": {name}}})
	}
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if driftCounts[sev] > 0 {
			v.DriftCounts = append(v.DriftCounts, count{Name: sev, N: driftCounts[sev], Link: url.Values{"drift": {sev}}})
		}
	}
	for _, wp := range waves {
		wp.Percent = 100 * wp.Converged / wp.Total
		if wp.Converged < wp.Total {
			v.RollingOut = true
		}
		v.Waves = append(v.Waves, *wp)
	}
	sort.Slice(v.Waves, func(i, j int) bool { return v.Waves[i].Wave < v.Waves[j].Wave })
	v.Templates, v.Modules, v.Statuses = keys(templates), keys(modules), countOrder

	// Filter, sort, paginate.
	v.Filter = url.Values{}
	for _, k := range []string{"status", "template", "module", "label", "q", "drift", "sort", "dir"} {
		if val := strings.TrimSpace(q.Get(k)); val != "" {
			v.Filter.Set(k, val)
		}
	}
	matched := all[:0:0]
	for _, rw := range all {
		if v.matches(rw) {
			matched = append(matched, rw)
		}
	}
	key, desc := v.Filter.Get("sort"), v.Filter.Get("dir") == "desc"
	if key == "labels" {
		for _, rw := range matched {
			rw.sortLabels()
		}
	}
	sortRows(matched, key, desc)
	v.Total = len(matched)
	v.Pages = max(1, (v.Total+s.opts.PageSize-1)/s.opts.PageSize)
	v.PageNo, _ = strconv.Atoi(q.Get("page"))
	v.PageNo = min(max(v.PageNo, 1), v.Pages)
	lo, hi := (v.PageNo-1)*s.opts.PageSize, min(v.PageNo*s.opts.PageSize, v.Total)
	names := make([]string, 0, hi-lo)
	for _, rw := range matched[lo:hi] {
		rw.sortLabels()
		v.Rows = append(v.Rows, *rw)
		names = append(names, rw.Name)
	}
	if store := s.d.Landlord(); store != nil && !v.NoLandlord && key != "run" {
		runs, err := store.LatestRuns(ctx, names)
		if err != nil {
			return nil, err
		}
		for i := range v.Rows {
			if r, ok := runs[v.Rows[i].Name]; ok {
				v.Rows[i].LastRun = &r
			}
		}
	}
	if v.PageNo > 1 {
		v.Prev = v.with("page", strconv.Itoa(v.PageNo-1))
	}
	if v.PageNo < v.Pages {
		v.Next = v.with("page", strconv.Itoa(v.PageNo+1))
	}
	for _, sk := range sortKeys {
		if sk.key == "run" {
			continue // the last run is read for the page's rows only
		}
		l := sortLink{Key: sk.key, Label: sk.label, Link: v.with("sort", sk.key)}
		l.Link.Del("page")
		cur := v.Filter.Get("sort")
		if cur == "" {
			cur = "name"
		}
		if cur == sk.key {
			l.Active = "asc"
			if desc {
				l.Active = "desc"
			} else {
				l.Link.Set("dir", "desc")
			}
		} else {
			l.Link.Del("dir")
		}
		v.Sorts = append(v.Sorts, l)
	}
	return v, nil
}

// with returns the current filter with k set to val.
func (v *fleetView) with(k, val string) url.Values {
	out := url.Values{}
	for key, vals := range v.Filter {
		out[key] = slices.Clone(vals)
	}
	out.Set(k, val)
	return out
}

func (v *fleetView) matches(rw *row) bool {
	f := v.Filter
	if st := f.Get("status"); st != "" && st != rw.Status && !(st == stPaused && rw.Hold != nil) {
		return false
	}
	if tm := f.Get("template"); tm != "" && tm != rw.Template {
		return false
	}
	if m := f.Get("module"); m != "" && !slices.Contains(rw.Modules, m) {
		return false
	}
	if d := f.Get("drift"); d != "" && d != rw.Drift {
		return false
	}
	if l := f.Get("label"); l != "" {
		k, val, hasVal := strings.Cut(l, "=")
		got, ok := rw.labels[k]
		if !ok || (hasVal && got != val) {
			return false
		}
	}
	if q := f.Get("q"); q != "" && !strings.Contains(rw.Name, strings.ToLower(q)) {
		return false
	}
	return true
}

// sortLabels fills Labels ("k=v", sorted) from the spec's labels, once:
// only for the rows shown (or sorted by labels), not the whole fleet.
func (rw *row) sortLabels() {
	if rw.Labels != nil || len(rw.labels) == 0 {
		return
	}
	for k, val := range rw.labels {
		rw.Labels = append(rw.Labels, k+"="+val)
	}
	sort.Strings(rw.Labels)
}

// consoleStatus is the status the fleet page shows for a tenant.
func consoleStatus(rw *row) string {
	switch {
	case rw.RecordedAs == "" || rw.RecordedAs == landlord.StatusPending:
		return stPending
	case rw.RecordedAs != landlord.StatusActive:
		return string(rw.RecordedAs)
	case rw.Status == stBlocked || strings.HasPrefix(rw.LastError, "blocked"):
		return stBlocked
	case rw.InShard && !rw.Converged:
		return stPending
	}
	return stConverged
}

func sortRows(rows []*row, key string, desc bool) {
	less := func(a, b *row) int { return strings.Compare(a.Name, b.Name) }
	by := map[string]func(a, b *row) int{
		"status":   func(a, b *row) int { return strings.Compare(a.Status, b.Status) },
		"template": func(a, b *row) int { return strings.Compare(a.Template, b.Template) },
		"modules": func(a, b *row) int {
			return strings.Compare(strings.Join(a.Modules, ","), strings.Join(b.Modules, ","))
		},
		"wave":    func(a, b *row) int { return a.Wave - b.Wave },
		"labels":  func(a, b *row) int { return strings.Compare(strings.Join(a.Labels, ","), strings.Join(b.Labels, ",")) },
		"applied": func(a, b *row) int { return a.AppliedAt.Compare(b.AppliedAt) },
		"drift":   func(a, b *row) int { return severityRank[a.Drift] - severityRank[b.Drift] },
	}[key]
	slices.SortStableFunc(rows, func(a, b *row) int {
		c := 0
		if by != nil {
			c = by(a, b)
		}
		if c == 0 {
			c = less(a, b)
		}
		if desc {
			return -c
		}
		return c
	})
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// missing reports whether err means the landlord is not created yet (no
// apply has run): the pages then show no records rather than an error.
func missing(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1049 || me.Number == 1146)
}
