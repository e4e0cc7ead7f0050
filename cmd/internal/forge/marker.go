package forge

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultMarker is the hidden first line of strata's plan comment.
const DefaultMarker = "<!-- strata:plan -->"

var markerKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)

// Marker returns the hidden marker for key: [DefaultMarker] for "", else
// "<!-- strata:plan:KEY -->", so several configs in one repository keep
// separate comments. A value that is already an HTML comment is returned as is.
func Marker(key string) (string, error) {
	switch {
	case key == "":
		return DefaultMarker, nil
	case strings.HasPrefix(key, "<!--"):
		return key, checkMarker(key)
	case !markerKey.MatchString(key):
		return "", fmt.Errorf("forge: marker key %q: use letters, digits, '.', '_', '/' or '-' (at most 100), e.g. the config's directory", key)
	}
	m := "<!-- strata:plan:" + key + " -->"
	return m, checkMarker(m)
}

func checkMarker(m string) error {
	inner := strings.TrimSuffix(strings.TrimPrefix(m, "<!--"), "-->")
	if !strings.HasPrefix(m, "<!--") || !strings.HasSuffix(m, "-->") || len(m) < 8 ||
		strings.Contains(inner, "--") || strings.ContainsAny(m, "\r\n") {
		return fmt.Errorf("forge: marker %q is not a one-line HTML comment like %q", m, DefaultMarker)
	}
	return nil
}

// withMarker makes marker the first line of body, unless it already is.
func withMarker(marker, body string) string {
	if hasMarker(body, marker) {
		return body
	}
	return marker + "\n" + body
}

// hasMarker reports whether body's first line is marker. Only the first line
// counts, so a reply that quotes the plan ("> <!-- ...") is never taken for it.
func hasMarker(body, marker string) bool {
	first, _, _ := strings.Cut(body, "\n")
	return strings.TrimSpace(first) == marker
}
