package reconciler

import (
	"fmt"
	"strconv"
	"time"
)

// count writes n with thousands separators: 1,204.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// retentionText writes a retention as the config does: 7d, 36h, 90m.
func retentionText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

func commitText(c string) string {
	if c == "" {
		return ""
	}
	if len(c) > 7 {
		c = c[:7]
	}
	return " (commit " + c + ")"
}
