package console

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// layerView is one layer of a tenant's desired schema.
type layerView struct {
	Kind, Name, Version string
	Files, Seeds        []string
}

// stmtView is a statement of the tenant's current plan.
type stmtView struct {
	planner.Statement
	File string // where the approval line goes, for a blocked one
}

// credView is a tenant user: its name and where its password is, never the password.
type credView struct {
	Role, User string
}

// tenantView is a tenant's page.
type tenantView struct {
	page
	Name     string
	Spec     *spec.Tenant
	Labels   []string
	Layers   []layerView
	Record   *landlord.Tenant
	Daemon   *daemon.TenantStatus
	Hold     *landlord.Hold
	Status   string
	Plan     *planner.TenantPlan
	Stmts    []stmtView
	History  []landlord.Run
	Drift    *landlord.Detection
	Seeds    []landlord.SeedRun
	Creds    []credView
	Commit   string // the commit being converged to
	Failed   bool
	Retry    bool // the retry button applies
	Landlord string
}

func (s *server) tenant(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	v := &tenantView{page: s.page(r, name+" · strata"), Name: name, Commit: s.d.Status().Commit}
	v.Live = true
	v.addSpec(s.d.Fleet())
	if view, ok := s.d.Tenant(name); ok {
		v.Daemon, v.Hold = &view, view.Hold
		if view.Last != nil && view.Last.Plan != nil {
			v.Plan = view.Last.Plan
		}
	}
	if store := s.d.Landlord(); store != nil && validName(name) {
		if err := v.addLandlord(r.Context(), store, s.opts.History); err != nil {
			s.fail(w, err)
			return
		}
	}
	if v.Spec == nil && v.Record == nil && v.Daemon == nil {
		http.Error(w, "no tenant "+name+": it is neither in the config repo nor in the landlord", http.StatusNotFound)
		return
	}
	v.settleStatus()
	v.addStatements()
	s.render(w, r, http.StatusOK, "tenant.html", *v)
}

// addSpec fills what the config repo says of the tenant: its labels and
// layers; nothing when it is not there (removed, or no commit read yet).
func (v *tenantView) addSpec(f *spec.Fleet) {
	if f == nil {
		return
	}
	t := f.Tenant(v.Name)
	if t == nil {
		return
	}
	v.Spec = t
	for k, val := range t.Labels {
		v.Labels = append(v.Labels, k+"="+val)
	}
	sort.Strings(v.Labels)
	for _, l := range t.Layers {
		lv := layerView{Kind: string(l.Kind), Name: l.Name}
		if l.Kind == spec.LayerTemplate && f.Templates[l.Name] != nil {
			lv.Version = f.Templates[l.Name].Version
		}
		for _, file := range l.Files {
			lv.Files = append(lv.Files, file.Path)
		}
		for _, file := range l.Seeds {
			lv.Seeds = append(lv.Seeds, file.Path)
		}
		v.Layers = append(v.Layers, lv)
	}
}

// addLandlord fills the tenant's record and, when it has one, its last
// history runs, open drift, seeds and users; then its hold when the daemon
// did not know it. A landlord no apply created yet is no error.
func (v *tenantView) addLandlord(ctx context.Context, store *landlord.Store, history int) error {
	v.Landlord = store.Database()
	rec, err := store.Tenant(ctx, v.Name)
	switch {
	case err == nil:
		v.Record = rec
	case !landlord.IsNotFound(err) && !missing(err):
		return err
	}
	if v.Record != nil {
		if err := v.addRecords(ctx, store, history); err != nil {
			return err
		}
	}
	if v.Hold == nil {
		holds, err := store.Holds(ctx)
		if err != nil && !missing(err) {
			return err
		}
		if h, ok := holds[v.Name]; ok {
			v.Hold = &h
		}
	}
	return nil
}

// addRecords fills what the landlord keeps of a recorded tenant besides
// its record.
func (v *tenantView) addRecords(ctx context.Context, store *landlord.Store, history int) error {
	var err error
	if v.History, err = store.History(ctx, v.Name, history); err != nil {
		return err
	}
	if d, err := store.OpenDetection(ctx, v.Name); err == nil {
		if d.Differences, err = store.Differences(ctx, d.ID); err != nil {
			return err
		}
		v.Drift = d
	} else if !landlord.IsNotFound(err) && !missing(err) {
		return err
	}
	seeds, err := store.SeedRuns(ctx, v.Name)
	if err != nil {
		return err
	}
	for _, sr := range seeds {
		v.Seeds = append(v.Seeds, sr)
	}
	sort.Slice(v.Seeds, func(i, j int) bool { return v.Seeds[i].Path < v.Seeds[j].Path })
	creds, err := store.Credentials(ctx, v.Name)
	if err != nil {
		return err
	}
	for role, c := range creds {
		v.Creds = append(v.Creds, credView{Role: string(role), User: c.User})
	}
	sort.Slice(v.Creds, func(i, j int) bool { return v.Creds[i].Role < v.Creds[j].Role })
	return nil
}

// settleStatus sets the status the page shows, as the fleet page would, and
// whether the tenant failed and can be retried from here.
func (v *tenantView) settleStatus() {
	rw := row{Name: v.Name, Hold: v.Hold}
	if v.Record != nil {
		rw.RecordedAs, rw.LastError = v.Record.Status, v.Record.LastError
	}
	if v.Daemon != nil {
		rw.InShard, rw.Converged = true, v.Daemon.Converged
		if v.Daemon.Class == daemon.ClassBlocked {
			rw.Status = stBlocked
		}
	}
	v.Status = consoleStatus(&rw)
	v.Failed = v.Status == "failed" || (v.Daemon != nil && (v.Daemon.Class == daemon.ClassTransient || v.Daemon.Class == daemon.ClassStalled))
	v.Retry = v.Failed && v.Daemon != nil
}

// addStatements lists the current plan's statements, each blocked one with
// the file its approval goes in.
func (v *tenantView) addStatements() {
	if v.Plan == nil {
		return
	}
	file := "tenants/" + v.Name + "/tenant.yaml"
	if v.Spec != nil && v.Spec.Path != "" {
		file = v.Spec.Path
	}
	for _, st := range v.Plan.Statements {
		sv := stmtView{Statement: st}
		if st.Blocked && st.Approval != "" {
			sv.File = file
		}
		v.Stmts = append(v.Stmts, sv)
	}
}

// validName reports whether name could be a tenant name; anything else is
// looked up nowhere.
func validName(name string) bool {
	return name != "" && len(name) <= 128 && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
