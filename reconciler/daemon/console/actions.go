package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/stratadb/strata/reconciler/daemon"
)

// maxReason bounds a pause reason: it is stored and shown, not a document.
const maxReason = 500

// tenantAction runs one action on a tenant and returns to its page.
func (s *server) tenantAction(w http.ResponseWriter, r *http.Request) {
	name, action := r.PathValue("name"), r.PathValue("action")
	if !validName(name) {
		http.Error(w, "no tenant "+name, http.StatusNotFound)
		return
	}
	var err error
	var done string
	switch action {
	case "reconcile":
		err, done = s.d.Reconcile(name), "reconcile asked: the daemon converges "+name+" to the current commit now"
	case "retry":
		if view, ok := s.d.Tenant(name); ok && view.Class != daemon.ClassTransient && view.Class != daemon.ClassStalled {
			http.Error(w, name+" has not failed: nothing to retry (use reconcile)", http.StatusConflict)
			return
		}
		err, done = s.d.Reconcile(name), "retry asked: the daemon tries "+name+" again now"
	case "pause":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if len(reason) > maxReason {
			reason = reason[:maxReason]
		}
		err, done = s.d.Pause(r.Context(), name, actor(r), reason), "paused: strata leaves "+name+" as it is until it is resumed"
	case "resume":
		err, done = s.d.Resume(r.Context(), name), "resumed: the daemon converges "+name+" again"
	default:
		http.Error(w, "no action "+action+": use reconcile, retry, pause or resume", http.StatusNotFound)
		return
	}
	switch {
	case errors.Is(err, daemon.ErrUnknownTenant):
		http.Error(w, "no tenant "+name+" in this daemon's fleet", http.StatusNotFound)
		return
	case errors.Is(err, daemon.ErrHeld), errors.Is(err, daemon.ErrNoLandlord):
		http.Error(w, err.Error(), http.StatusConflict)
		return
	case err != nil:
		s.fail(w, err)
		return
	}
	http.Redirect(w, r, "/tenants/"+name+"?"+url.Values{"done": {done}}.Encode(), http.StatusSeeOther)
}

// sweep starts a drift sweep and returns to the fleet page.
func (s *server) sweep(w http.ResponseWriter, r *http.Request) {
	s.d.SweepNow()
	http.Redirect(w, r, "/?"+url.Values{"done": {"drift sweep started: the page shows its end"}}.Encode(), http.StatusSeeOther)
}

// actor names who acted, as far as the console can tell: "console" (the
// token is shared, so there is no user), and the client address.
func actor(r *http.Request) string {
	return "console (" + r.RemoteAddr + ")"
}
