package httpapi

import (
	"net/http"

	"github.com/stratadb/strata/reconciler/daemon"
	"github.com/stratadb/strata/reconciler/landlord"
)

// TenantEntry is one tenant in the list: its landlord record and, when it
// is in this daemon's shard, the daemon's view.
type TenantEntry struct {
	landlord.Tenant
	Daemon *daemon.TenantStatus `json:"daemon,omitempty"`
}

// TenantList is GET /api/v1/tenants.
type TenantList struct {
	daemon.Status
	Counts  map[landlord.Status]int `json:"counts"`
	Tenants []TenantEntry           `json:"tenants"`
}

// TenantPage is GET /api/v1/tenants/{name}.
type TenantPage struct {
	Tenant   *landlord.Tenant     `json:"tenant"` // nil before its first apply
	Daemon   *daemon.TenantStatus `json:"daemon,omitempty"`
	LastPlan any                  `json:"last_plan,omitempty"`
	History  []landlord.Run       `json:"history"`
	Snapshot *landlord.Snapshot   `json:"snapshot,omitempty"`
	Drift    *landlord.Detection  `json:"drift,omitempty"` // the open drift detection, if any
}

func (s *server) tenants(w http.ResponseWriter, r *http.Request) {
	st := s.d.Status()
	list := TenantList{Status: st, Counts: map[landlord.Status]int{}, Tenants: []TenantEntry{}}
	list.Status.Tenants = nil
	views := map[string]*daemon.TenantStatus{}
	for i := range st.Tenants {
		views[st.Tenants[i].Name] = &st.Tenants[i]
	}
	if store := s.d.Landlord(); store != nil {
		recs, err := store.Tenants(r.Context(), 0)
		if err != nil && !missing(err) {
			s.fail(w, err)
			return
		}
		if list.Counts, err = store.Counts(r.Context()); err != nil && !missing(err) {
			s.fail(w, err)
			return
		}
		for _, rec := range recs {
			list.Tenants = append(list.Tenants, TenantEntry{Tenant: rec, Daemon: views[rec.Name]})
			delete(views, rec.Name)
		}
	}
	for _, v := range st.Tenants { // in the spec, not yet recorded
		if views[v.Name] != nil {
			list.Tenants = append(list.Tenants, TenantEntry{Tenant: landlord.Tenant{Name: v.Name, Status: landlord.StatusPending}, Daemon: views[v.Name]})
		}
	}
	if list.Counts == nil {
		list.Counts = map[landlord.Status]int{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *server) tenant(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var page TenantPage
	if view, ok := s.d.Tenant(name); ok {
		page.Daemon = &view
		if view.Last != nil && view.Last.Plan != nil {
			page.LastPlan = view.Last.Plan
		}
	}
	if store := s.d.Landlord(); store != nil && validName(name) {
		rec, err := store.Tenant(r.Context(), name)
		switch {
		case err == nil:
			page.Tenant = rec
		case !landlord.IsNotFound(err) && !missing(err):
			s.fail(w, err)
			return
		}
		if page.Tenant != nil {
			if page.History, err = store.History(r.Context(), name, s.opts.History); err != nil {
				s.fail(w, err)
				return
			}
			if page.Snapshot, err = store.LatestSnapshot(r.Context(), name); err != nil && !landlord.IsNotFound(err) {
				s.fail(w, err)
				return
			}
			if page.Drift, err = store.OpenDetection(r.Context(), name); err != nil && !landlord.IsNotFound(err) && !missing(err) {
				s.fail(w, err)
				return
			}
		}
	}
	if page.Tenant == nil && page.Daemon == nil {
		writeError(w, http.StatusNotFound, "no tenant "+name+": it is neither in this daemon's shard of the config repo nor in the landlord")
		return
	}
	if page.History == nil {
		page.History = []landlord.Run{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *server) fail(w http.ResponseWriter, err error) {
	s.log.Error("status api", "err", err)
	writeError(w, http.StatusInternalServerError, err.Error())
}
