package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
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
	rows := rowSet{}
	rows.addSpec(s.d.Fleet())
	rows.addDaemon(st.Tenants)
	drift, err := s.addLandlord(ctx, v, rows)
	if err != nil {
		return nil, err
	}
	all := v.summarize(rows, drift)
	v.readFilter(q)
	matched := v.sorted(all)
	if err := s.showPage(ctx, v, matched, q.Get("page")); err != nil {
		return nil, err
	}
	v.addSortLinks()
	return v, nil
}

// rowSet is the fleet's rows by tenant name, filled from each source.
type rowSet map[string]*row

// get returns name's row, made empty on first use.
func (rs rowSet) get(name string) *row {
	if rw := rs[name]; rw != nil {
		return rw
	}
	rw := &row{Name: name}
	rs[name] = rw
	return rw
}

// addSpec fills what the config repo says of each tenant.
func (rs rowSet) addSpec(f *spec.Fleet) {
	if f == nil {
		return
	}
	for _, t := range f.Tenants {
		rw := rs.get(t.Name)
		rw.InSpec, rw.Template, rw.Modules, rw.Wave, rw.labels = true, t.Template, t.Modules, t.Wave, t.Labels
		if tm := f.Templates[t.Template]; tm != nil {
			rw.Version = tm.Version
		}
	}
}

// addDaemon fills what the daemon knows of the tenants of its shard.
func (rs rowSet) addDaemon(tenants []daemon.TenantStatus) {
	for i := range tenants {
		ts := &tenants[i]
		rw := rs.get(ts.Name)
		rw.InShard, rw.Converged, rw.InFlight, rw.Failures, rw.Hold = true, ts.Converged, ts.InFlight, ts.Failures, ts.Hold
		if ts.Class == daemon.ClassBlocked {
			rw.Status = stBlocked
		}
	}
}

// addLandlord fills the landlord's records and holds, and returns the open
// drift severity by tenant; v.NoLandlord is set when no apply created it.
func (s *server) addLandlord(ctx context.Context, v *fleetView, rs rowSet) (map[string]string, error) {
	store := s.d.Landlord()
	if store == nil {
		return nil, nil
	}
	recs, err := store.TenantSummaries(ctx)
	if missing(err) {
		v.NoLandlord = true
	} else if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		rw := rs.get(rec.Name)
		rw.RecordedAs, rw.Applied, rw.AppliedAt = rec.Status, rec.LastAppliedCommit, rec.LastAppliedAt
		if rec.Blocked {
			rw.LastError = "blocked"
		}
		if !rw.InSpec {
			rw.Template, rw.Modules, rw.Version = rec.Template, rec.Modules, rec.TemplateVersion
		}
	}
	if v.NoLandlord {
		return nil, nil
	}
	holds, err := store.Holds(ctx)
	if err != nil {
		return nil, err
	}
	for name, h := range holds {
		if rw := rs[name]; rw != nil {
			rw.Hold = &h
		}
	}
	drift, err := store.DriftSeverities(ctx)
	if err != nil && !missing(err) {
		return nil, err
	}
	if v.LastDetect, err = store.LastDetection(ctx); err != nil && !missing(err) {
		return nil, err
	}
	return drift, nil
}

// summarize settles each row's console status and drift, and fills the
// page's counts, waves and filter choices; it returns every row.
func (v *fleetView) summarize(rs rowSet, drift map[string]string) []*row {
	all := make([]*row, 0, len(rs))
	counts := map[string]int{}
	driftCounts := map[string]int{}
	templates, modules := map[string]bool{}, map[string]bool{}
	waves := map[int]*waveProgress{}
	for _, rw := range rs {
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
			countWave(waves, rw)
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
	return all
}

// countWave counts rw, a tenant of this daemon's shard, in its wave.
func countWave(waves map[int]*waveProgress, rw *row) {
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
