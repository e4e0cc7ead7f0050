package forge

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors an [*APIError] matches with errors.Is, by status.
var (
	ErrUnauthorized = errors.New("forge: unauthorized") // 401: token missing, expired or invalid
	ErrForbidden    = errors.New("forge: forbidden")    // 403: token lacks a permission, or rate limited
	ErrNotFound     = errors.New("forge: not found")    // 404: wrong repository/project or request number
	ErrRejected     = errors.New("forge: rejected")     // 400, 409, 422: the host refused the body
	ErrServer       = errors.New("forge: server error") // 5xx: retry later
	ErrRateLimited  = errors.New("forge: rate limited") // 429, or 403 with no requests left
	ErrUnexpected   = errors.New("forge: unexpected status")
)

// APIError is a non-2xx answer from the code host.
type APIError struct {
	Host    string // "github" or "gitlab"
	Method  string
	URL     string // without query string
	Status  int
	Message string // the host's own message
	Hint    string // what to do
	// RateLimited: the host said no requests are left (GitHub answers 403, not 429).
	RateLimited bool
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("forge: %s: %s %s: %d %s", e.Host, e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Is matches the sentinel errors above by status.
func (e *APIError) Is(target error) bool {
	return target == e.kind()
}

func (e *APIError) kind() error {
	switch {
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status == http.StatusForbidden && e.RateLimited:
		return ErrRateLimited
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == http.StatusNotFound:
		return ErrNotFound
	case e.Status == http.StatusBadRequest, e.Status == http.StatusConflict, e.Status == http.StatusUnprocessableEntity:
		return ErrRejected
	case e.Status >= 500:
		return ErrServer
	}
	return ErrUnexpected
}
