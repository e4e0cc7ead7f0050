package httpapi

import (
	"net/http"

	"github.com/stratadb/strata/reconciler/landlord"
)

// rollout serves GET /api/v1/rollout[?commit=SHA]: a commit's rollout by
// wave as the landlord records it (every shard's), the newest without
// ?commit; 404 when there is none.
func (s *server) rollout(w http.ResponseWriter, r *http.Request) {
	store := s.d.Landlord()
	if store == nil {
		writeError(w, http.StatusNotFound, "no rollout yet: no valid commit loaded")
		return
	}
	ro, err := store.ReadRollout(r.Context(), r.URL.Query().Get("commit"))
	switch {
	case landlord.IsNotFound(err) || missing(err):
		writeError(w, http.StatusNotFound, "no rollout recorded for this commit yet")
	case err != nil:
		s.fail(w, err)
	default:
		writeJSON(w, http.StatusOK, ro)
	}
}
