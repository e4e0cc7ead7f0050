package spec

import (
	"fmt"
	"strings"
)

// DefaultEngines is the storage-engine allow-list of layer DDL when
// strata.yaml sets no layers.engines.
var DefaultEngines = []string{"InnoDB"}

// Layer SQL arrives in pull requests and is composed before anyone reviewed
// it, so layer DDL may not read data or server state, nor reach the server's
// disk or other servers: a schema never needs to.
const safeHint = "layer files declare tables and indexes; reading data or server state is never needed (put data in seed/*.sql)"

// serverStateFuncs are functions whose result is server state or time spent
// on the server; a layer that calls one could leak it into an error message
// or stall the composition. Those marked true take no arguments and are
// flagged only as NAME(), so a column `user` with a prefix length in an index
// (user(10)) is not mistaken for a call.
var serverStateFuncs = map[string]bool{
	"LOAD_FILE": false, "SLEEP": false, "BENCHMARK": false, "GET_LOCK": false, "RELEASE_LOCK": false,
	"IS_FREE_LOCK": false, "IS_USED_LOCK": false, "MASTER_POS_WAIT": false, "MASTER_GTID_WAIT": false,
	"EXTRACTVALUE": false, "UPDATEXML": false, "LAST_INSERT_ID": false, "BINLOG_GTID_POS": false,
	"USER": true, "CURRENT_USER": true, "SESSION_USER": true, "SYSTEM_USER": true, "CURRENT_ROLE": true,
	"DATABASE": true, "SCHEMA": true, "VERSION": true, "CONNECTION_ID": true, "ROW_COUNT": true, "FOUND_ROWS": true,
}

// nameBefore are words after which NAME( is a table name, not a call.
var nameBefore = map[string]bool{".": true, "REFERENCES": true, "TABLE": true, "ON": true, "EXISTS": true, "TO": true, "LIKE": true}

// isCall reports whether toks[i] is a call of a server-state function.
func isCall(toks []token, i int) bool {
	noArgs, ok := serverStateFuncs[toks[i].upper]
	if !ok || i+1 >= len(toks) || toks[i+1].text != "(" || (i > 0 && nameBefore[toks[i-1].upper]) {
		return false
	}
	return !noArgs || (i+2 < len(toks) && toks[i+2].text == ")")
}

// checkLayerSafety returns the constructs of one allowed layer DDL statement
// that read data or server state, or reach past the database: SELECT (CREATE
// TABLE ... AS SELECT), server-state functions, variables, DATA/INDEX
// DIRECTORY, CONNECTION= and engines outside engines (compared
// case-insensitively; nil engines are not checked).
func checkLayerSafety(toks []token, engines []string) []sqlProblem {
	var ps []sqlProblem
	next := func(i int) *token {
		if i+1 < len(toks) {
			return &toks[i+1]
		}
		return nil
	}
	for i, t := range toks {
		n := next(i)
		switch {
		case t.kind == tokPunct && t.text == "@" && (i == 0 || toks[i-1].text != "@"):
			ps = append(ps, sqlProblem{t, "variables (@var, @@var) are not allowed in a layer file", safeHint})
		case t.kind != tokWord:
		case t.upper == "SELECT":
			ps = append(ps, sqlProblem{t, "SELECT is not allowed in a layer file (CREATE TABLE ... AS SELECT copies data)", "declare the table's columns instead; " + safeHint})
		case t.upper == "VALUES" && (n == nil || (n.upper != "LESS" && n.upper != "IN")):
			ps = append(ps, sqlProblem{t, "VALUES is not allowed in a layer file outside PARTITION ... VALUES LESS THAN/IN", safeHint})
		case isCall(toks, i):
			ps = append(ps, sqlProblem{t, t.upper + "() is not allowed in a layer file: it reads server state", "remove the call; " + safeHint})
		case t.upper == "DIRECTORY" && i > 0 && (toks[i-1].upper == "DATA" || toks[i-1].upper == "INDEX"):
			ps = append(ps, sqlProblem{toks[i-1], toks[i-1].upper + " DIRECTORY is not allowed: it writes outside the server's data directory",
				"remove the option; strata places every table in its tenant database"})
		case t.upper == "CONNECTION" && n != nil && (n.text == "=" || n.kind == tokString):
			ps = append(ps, sqlProblem{t, "CONNECTION= is not allowed: it connects a table to another server", "remove the option"})
		case t.upper == "ENGINE" && engines != nil:
			if p, bad := checkEngine(toks[i+1:], t, engines); bad {
				ps = append(ps, p)
			}
		}
	}
	return ps
}

// checkEngine checks the engine name after ENGINE [=] against engines.
func checkEngine(rest []token, at token, engines []string) (sqlProblem, bool) {
	if len(rest) > 0 && rest[0].text == "=" {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return sqlProblem{}, false
	}
	name := strings.Trim(rest[0].text, "`'\"")
	for _, e := range engines {
		if strings.EqualFold(e, name) {
			return sqlProblem{}, false
		}
	}
	return sqlProblem{rest[0], fmt.Sprintf("ENGINE=%s is not allowed: the allowed engines are %s", name, strings.Join(engines, ", ")),
		"use ENGINE=" + engines[0] + ", or add the engine to layers.engines in strata.yaml"}, true
}
