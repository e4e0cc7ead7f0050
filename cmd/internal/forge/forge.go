// Package forge posts strata's plan as one comment on a pull request
// (GitHub) or merge request (GitLab), and updates that same comment on every
// later run instead of adding a new one.
//
// The comment is found by a hidden HTML marker on its first line
// (see [Marker]); the caller renders the body, the forge only guards its size.
package forge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Comment is one comment (GitHub) or note (GitLab) on a pull or merge request.
type Comment struct {
	ID   int64
	Body string
	URL  string // web address; empty where the API does not return one
}

// Result says what [Upsert] did.
type Result struct {
	Comment
	// Action is "created", "updated" or "unchanged" (the body was already current).
	Action string
}

// Forge is one pull or merge request on one code host. It is sealed: the
// implementations are [*GitHub] and [*GitLab].
type Forge interface {
	// String names the request for messages, e.g. "acme/app#7".
	String() string
	// maxBody is the longest body, in characters, the host accepts.
	maxBody() int
	// find returns the first comment whose first line is marker, or nil.
	find(ctx context.Context, marker string) (*Comment, error)
	create(ctx context.Context, body string) (*Comment, error)
	update(ctx context.Context, id int64, body string) (*Comment, error)
}

// ErrBodyTooLong is returned, before any request is sent, for a body longer
// than the host accepts.
var ErrBodyTooLong = errors.New("forge: comment body too long")

// Upsert posts body on the request f names, or updates the comment that
// already carries marker. The marker becomes the body's first line when it is
// not already there, so the next run finds the comment again.
func Upsert(ctx context.Context, f Forge, marker, body string) (Result, error) {
	if err := checkMarker(marker); err != nil {
		return Result{}, err
	}
	if strings.TrimSpace(body) == "" {
		return Result{}, errors.New("forge: comment body is empty: did `strata plan` fail before writing its Markdown?")
	}
	body = withMarker(marker, body)
	if n, limit := utf8.RuneCountInString(body), f.maxBody(); n > limit {
		return Result{}, fmt.Errorf("%w: %d characters (with the marker line), %s accepts at most %d: render the plan with a smaller size budget",
			ErrBodyTooLong, n, f, limit)
	}
	old, err := f.find(ctx, marker)
	if err != nil {
		return Result{}, err
	}
	if old == nil {
		c, err := f.create(ctx, body)
		if err != nil {
			return Result{}, err
		}
		return Result{Comment: *c, Action: "created"}, nil
	}
	// Hosts may store CRLF line ends; an unchanged plan should not bump the
	// comment's "edited" time.
	if normalizeNewlines(old.Body) == normalizeNewlines(body) {
		return Result{Comment: *old, Action: "unchanged"}, nil
	}
	c, err := f.update(ctx, old.ID, body)
	if err != nil {
		return Result{}, err
	}
	return Result{Comment: *c, Action: "updated"}, nil
}

func normalizeNewlines(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}
