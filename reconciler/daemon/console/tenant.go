package console

import (
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
	v := tenantView{page: s.page(r, name+" · strata"), Name: name, Commit: s.d.Status().Commit}
	v.Live = true
	if f := s.d.Fleet(); f != nil {
		if t := f.Tenant(name); t != nil {
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
	}
	if view, ok := s.d.Tenant(name); ok {
		v.Daemon, v.Hold = &view, view.Hold
		if view.Last != nil && view.Last.Plan != nil {
			v.Plan = view.Last.Plan
		}
	}
	ctx := r.Context()
	if store := s.d.Landlord(); store != nil && validName(name) {
		v.Landlord = store.Database()
		rec, err := store.Tenant(ctx, name)
		switch {
		case err == nil:
			v.Record = rec
		case !landlord.IsNotFound(err) && !missing(err):
			s.fail(w, err)
			return
		}
		if v.Record != nil {
			if v.History, err = store.History(ctx, name, s.opts.History); err != nil {
				s.fail(w, err)
				return
			}
			if d, err := store.OpenDetection(ctx, name); err == nil {
				if d.Differences, err = store.Differences(ctx, d.ID); err != nil {
					s.fail(w, err)
					return
				}
				v.Drift = d
			} else if !landlord.IsNotFound(err) && !missing(err) {
				s.fail(w, err)
				return
			}
			seeds, err := store.SeedRuns(ctx, name)
			if err != nil {
				s.fail(w, err)
				return
			}
			for _, sr := range seeds {
				v.Seeds = append(v.Seeds, sr)
			}
			sort.Slice(v.Seeds, func(i, j int) bool { return v.Seeds[i].Path < v.Seeds[j].Path })
			creds, err := store.Credentials(ctx, name)
			if err != nil {
				s.fail(w, err)
				return
			}
			for role, c := range creds {
				v.Creds = append(v.Creds, credView{Role: string(role), User: c.User})
			}
			sort.Slice(v.Creds, func(i, j int) bool { return v.Creds[i].Role < v.Creds[j].Role })
		}
		if v.Hold == nil {
			holds, err := store.Holds(ctx)
			if err != nil && !missing(err) {
				s.fail(w, err)
				return
			}
			if h, ok := holds[name]; ok {
				v.Hold = &h
			}
		}
	}
	if v.Spec == nil && v.Record == nil && v.Daemon == nil {
		http.Error(w, "no tenant "+name+": it is neither in the config repo nor in the landlord", http.StatusNotFound)
		return
	}
	rw := row{Name: name, Hold: v.Hold}
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
	if v.Plan != nil {
		file := "tenants/" + name + "/tenant.yaml"
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
	s.render(w, r, http.StatusOK, "tenant.html", v)
}

// validName reports whether name could be a tenant name; anything else is
// looked up nowhere.
func validName(name string) bool {
	return name != "" && len(name) <= 128 && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}
