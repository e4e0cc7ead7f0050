package layers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// StatementError is a layer statement the dev server rejected, or one strata
// refuses to run.
type StatementError struct {
	Path string // repo-relative layer file
	Line int    // line of the statement in the file
	SQL  string
	Err  error // the server's error
}

// Error renders "path:line: message", the statement, and a hint.
func (e *StatementError) Error() string {
	msg := e.Err.Error()
	var me *mysql.MySQLError
	if errors.As(e.Err, &me) {
		msg = me.Message + fmt.Sprintf(" (error %d)", me.Number)
	}
	return fmt.Sprintf("%s:%d: %s\n\t%s\n\tfix the statement in %s (the layer is composed in a scratch database in file order, so it may only refer to tables created by this or an earlier layer)",
		e.Path, e.Line, msg, oneLine(e.SQL, 200), e.Path)
}

// Unwrap returns the server's error.
func (e *StatementError) Unwrap() error { return e.Err }

// oneLine collapses whitespace and shortens s to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
