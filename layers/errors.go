package layers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// StatementError is a layer statement the dev server rejected, or one strata
// refuses to run: the layer is at fault, and composing again fails the same
// way until the file changes.
type StatementError struct {
	Path string // repo-relative layer file
	Line int    // line of the statement in the file
	SQL  string
	Err  error // the server's error
}

// Error renders "path:line: message", the statement, and a hint.
func (e *StatementError) Error() string {
	msg := e.Err.Error()
	hint := "fix the statement in " + e.Path + " (the layer is composed in a scratch database in file order, so it may only refer to tables created by this or an earlier layer)"
	var me *mysql.MySQLError
	if errors.As(e.Err, &me) {
		msg = me.Message + fmt.Sprintf(" (error %d)", me.Number)
		if me.Number == erStatementTimeout {
			hint = "a layer statement runs on an empty scratch database and must finish within dev.statement_timeout (strata.yaml); fix the statement in " + e.Path
		}
	}
	return fmt.Sprintf("%s:%d: %s\n\t%s\n\t%s", e.Path, e.Line, msg, oneLine(e.SQL, 200), hint)
}

// Unwrap returns the server's error.
func (e *StatementError) Unwrap() error { return e.Err }

// ServerError is a composition that failed because of the dev server or the
// connection to it (a dropped connection, a server restart, too many
// connections), not because of a layer: composing again may succeed. Path
// and Line name the statement that was running, when one was.
type ServerError struct {
	Op   string // what strata was doing
	Path string
	Line int
	Err  error
}

// Error renders what failed and where, saying the layer is not at fault.
func (e *ServerError) Error() string {
	at := ""
	if e.Path != "" {
		at = fmt.Sprintf(" while running %s:%d", e.Path, e.Line)
	}
	return fmt.Sprintf("layers: dev server: %s%s: %v (the server or the connection failed, not the layer; compose again)", e.Op, at, e.Err)
}

// Unwrap returns the cause.
func (e *ServerError) Unwrap() error { return e.Err }

func serverError(op string, err error) *ServerError { return &ServerError{Op: op, Err: err} }

// erStatementTimeout is MariaDB's "max_statement_time exceeded".
const erStatementTimeout = 1969

// serverCodes are server errors that say nothing about the statement: the
// server is shutting down, killed the connection, or is out of a resource.
var serverCodes = map[uint16]bool{
	1040: true,                                     // too many connections
	1053: true,                                     // server shutdown in progress
	1077: true,                                     // normal shutdown
	1152: true,                                     // aborted connection
	1158: true, 1159: true, 1160: true, 1161: true, // network read/write errors
	1184: true, // aborted new connection
	1203: true, // max_user_connections
	1205: true, // lock wait timeout
	1213: true, // deadlock
	1226: true, // user resource exceeded
	1317: true, // query interrupted (KILL QUERY)
	1927: true, // connection killed
	4031: true, // disconnected for inactivity
}

// classify turns the error of a layer statement into a *StatementError when
// the server rejected the statement, else (a connection error such as
// mysql.ErrInvalidConn, or a server code in serverCodes) a *ServerError.
func classify(path string, line int, sql string, err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && !serverCodes[me.Number] {
		return &StatementError{Path: path, Line: line, SQL: sql, Err: err}
	}
	return &ServerError{Op: "compose", Path: path, Line: line, Err: err}
}

// oneLine collapses whitespace and shortens s to at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
