package spec

import "fmt"

// sqlProblem is a rejected construct in a statement.
type sqlProblem struct {
	tok  token
	msg  string
	hint string
}

// The statements a layer file may hold: table and index DDL.
const layerHint = "layer files hold table and index DDL only: CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP INDEX"

// rejectedObjects are CREATE targets strata cannot manage, with the reason.
var rejectedObjects = map[string]string{
	"VIEW":      "views are not supported: Atlas cannot inspect them reliably on MariaDB",
	"TRIGGER":   "triggers are not supported: Atlas cannot inspect them on MariaDB",
	"PROCEDURE": "stored procedures are not supported",
	"FUNCTION":  "stored functions are not supported",
	"EVENT":     "events are not supported",
	"SEQUENCE":  "sequences are not supported: Atlas cannot inspect them on MariaDB",
	"DATABASE":  "CREATE DATABASE is not allowed: strata creates each tenant's database itself",
	"SCHEMA":    "CREATE SCHEMA is not allowed: strata creates each tenant's database itself",
	"USER":      "CREATE USER is not allowed: strata manages each tenant's users and grants",
	"ROLE":      "CREATE ROLE is not allowed: strata manages each tenant's users and grants",
	"SERVER":    "CREATE SERVER is not allowed",
}

// rejectedStatements are statements rejected in layers and seeds alike.
var rejectedStatements = map[string][2]string{
	"USE":       {"USE is not allowed", "strata runs every statement in the tenant's own database; remove the USE statement"},
	"GRANT":     {"GRANT is not allowed", "strata manages each tenant's users and grants; remove the statement"},
	"REVOKE":    {"REVOKE is not allowed", "strata manages each tenant's users and grants; remove the statement"},
	"DELIMITER": {"DELIMITER is not allowed", "DELIMITER is a mysql client command for routines, which strata does not manage; remove it"},
}

// checkLayerStmt returns the problems of one layer DDL statement; engines is
// the storage-engine allow-list.
func checkLayerStmt(toks []token, engines []string) []sqlProblem {
	first := toks[0]
	if p, ok := commonReject(toks); ok {
		return []sqlProblem{p}
	}
	if p, ok := reservedTable(toks, "a layer may not create, alter, drop or reference it"); ok {
		return []sqlProblem{p}
	}
	switch first.upper {
	case "INSERT", "REPLACE", "UPDATE", "DELETE":
		return []sqlProblem{{first, fmt.Sprintf("%s is data, not schema: not allowed in a layer file", first.upper),
			"move it to a seed file (seed/*.sql beside this layer), which runs once per tenant"}}
	case "CREATE":
		obj, ok := createObject(toks)
		switch {
		case !ok && len(toks) > 1:
			return []sqlProblem{{toks[1], "CREATE " + toks[1].upper + " is not allowed in a layer file", layerHint}}
		case !ok:
			return []sqlProblem{{first, "CREATE without an object kind", layerHint}}
		case obj.upper == "TEMPORARY":
			return []sqlProblem{{obj, "CREATE TEMPORARY TABLE is not allowed in a layer file", layerHint}}
		case obj.upper == "TABLE" || obj.upper == "INDEX":
		default:
			return []sqlProblem{{obj, rejectedObjects[obj.upper], layerHint}}
		}
	case "ALTER":
		if obj := skipWords(toks[1:], "ONLINE", "IGNORE"); obj == nil || obj.upper != "TABLE" {
			return []sqlProblem{{first, "only ALTER TABLE is allowed in a layer file", layerHint}}
		}
	case "DROP":
		obj := skipWords(toks[1:], "ONLINE", "OFFLINE", "TEMPORARY")
		switch {
		case obj != nil && obj.upper == "INDEX":
		case obj != nil && (obj.upper == "DATABASE" || obj.upper == "SCHEMA"):
			return []sqlProblem{{first, "DROP DATABASE is not allowed", "strata never drops a tenant database from layer SQL; decommission the tenant instead"}}
		case obj != nil && obj.upper == "TABLE":
			return []sqlProblem{{first, "DROP TABLE is not allowed in a layer file", "layers declare the schema a tenant should have: delete the table's CREATE TABLE and approve the drop in approve.destructive"}}
		default:
			return []sqlProblem{{first, "only DROP INDEX is allowed in a layer file", layerHint}}
		}
	default:
		return []sqlProblem{{first, first.upper + " is not allowed in a layer file", layerHint}}
	}
	return append(checkDDLBody(toks), checkLayerSafety(toks, engines)...)
}

// createObject returns the token naming what a CREATE statement creates:
// the first object keyword, past modifiers such as OR REPLACE, UNIQUE or
// DEFINER = account.
func createObject(toks []token) (token, bool) {
	for _, t := range toks[1:] {
		if t.kind != tokWord {
			continue
		}
		if _, bad := rejectedObjects[t.upper]; bad || t.upper == "TABLE" || t.upper == "INDEX" || t.upper == "TEMPORARY" {
			return t, true
		}
	}
	return token{}, false
}

// skipWords returns the first token that is not one of the given words.
func skipWords(toks []token, words ...string) *token {
	for i := range toks {
		skip := false
		for _, w := range words {
			if toks[i].kind == tokWord && toks[i].upper == w {
				skip = true
			}
		}
		if !skip {
			return &toks[i]
		}
	}
	return nil
}

// commonReject rejects statements that are wrong in layers and seeds alike.
func commonReject(toks []token) (sqlProblem, bool) {
	first := toks[0]
	if r, ok := rejectedStatements[first.upper]; ok && first.kind == tokWord {
		return sqlProblem{first, r[0], r[1]}, true
	}
	for _, t := range toks {
		if t.kind == tokExec {
			return sqlProblem{t, "executable comments (/*! ... */) are not allowed", "write the SQL without the comment wrapper so strata can check it"}, true
		}
	}
	if first.kind != tokWord {
		return sqlProblem{first, fmt.Sprintf("statement starts with %s, not a keyword", first.text), "check for a missing semicolon or stray text"}, true
	}
	return sqlProblem{}, false
}

// checkDDLBody rejects constructs strata cannot manage inside allowed DDL.
func checkDDLBody(toks []token) []sqlProblem {
	var ps []sqlProblem
	for i, t := range toks {
		if t.kind != tokWord {
			if t.kind == tokPunct && t.text == "." && i > 0 && i+1 < len(toks) && isName(toks[i-1]) && isName(toks[i+1]) {
				ps = append(ps, sqlProblem{toks[i-1], fmt.Sprintf("database-qualified name %s.%s is not allowed", toks[i-1].text, toks[i+1].text),
					"name the table alone: every layer runs in the tenant's own database"})
			}
			continue
		}
		switch t.upper {
		case "INVISIBLE":
			ps = append(ps, sqlProblem{t, "INVISIBLE columns are not supported: Atlas does not inspect them", "drop the INVISIBLE attribute"})
		case "VERSIONING", "SYSTEM_TIME":
			if t.upper == "VERSIONING" && (i == 0 || toks[i-1].upper != "SYSTEM") {
				continue
			}
			ps = append(ps, sqlProblem{t, "system-versioned tables are not supported: Atlas does not inspect them", "remove WITH SYSTEM VERSIONING (and PERIOD FOR SYSTEM_TIME)"})
		case "SEQUENCE":
			ps = append(ps, sqlProblem{t, "sequences are not supported: Atlas cannot inspect them on MariaDB", "use an AUTO_INCREMENT column instead"})
		case "ZEROFILL":
			ps = append(ps, sqlProblem{t, "ZEROFILL is not supported: Atlas inspects it wrongly", "remove ZEROFILL and pad the number when displaying it"})
		case "FLOAT", "DOUBLE", "REAL":
			j := i + 1
			if j < len(toks) && toks[j].upper == "PRECISION" {
				j++
			}
			if j+4 < len(toks) && toks[j].text == "(" && toks[j+1].kind == tokNumber && toks[j+2].text == "," && toks[j+3].kind == tokNumber && toks[j+4].text == ")" {
				ps = append(ps, sqlProblem{t, fmt.Sprintf("%s(M,D) is not supported: Atlas inspects it wrongly", t.upper),
					fmt.Sprintf("use DECIMAL(%s,%s) for exact values, or %s without (M,D)", toks[j+1].text, toks[j+3].text, t.upper)})
			}
		}
	}
	return ps
}

func isName(t token) bool { return t.kind == tokWord || t.kind == tokIdent }

// tableListKeywords are followed by a table or a comma-separated table list.
var tableListKeywords = map[string]bool{"DELETE": true, "INTO": true, "UPDATE": true, "FROM": true, "JOIN": true, "USING": true, "STRAIGHT_JOIN": true}

// clauseEnd are words that end a table list.
var clauseEnd = map[string]bool{
	"SET": true, "WHERE": true, "VALUES": true, "VALUE": true, "SELECT": true, "ORDER": true, "GROUP": true,
	"LIMIT": true, "HAVING": true, "UNION": true, "RETURNING": true, "FROM": true, "USING": true,
}

// qualifiedTables reports database-qualified names in the table list that
// toks starts with: the first table and every table after a comma or a
// JOIN at the list's own level (UPDATE a, other.b; FROM a JOIN b ON ..., other.c).
func qualifiedTables(toks []token) []sqlProblem {
	var ps []sqlProblem
	depth, expect := 0, true
	for j := 0; j < len(toks); j++ {
		t := toks[j]
		switch {
		case t.text == "(":
			depth++
		case t.text == ")":
			if depth--; depth < 0 {
				return ps
			}
		case depth > 0:
		case t.text == ",", t.upper == "JOIN", t.upper == "STRAIGHT_JOIN":
			expect = true
		case t.kind == tokWord && clauseEnd[t.upper]:
			return ps
		case t.kind == tokWord && (t.upper == "LOW_PRIORITY" || t.upper == "IGNORE" || t.upper == "QUICK"):
		case expect && isName(t):
			expect = false
			if j+2 < len(toks) && toks[j+1].text == "." && isName(toks[j+2]) {
				ps = append(ps, sqlProblem{t, fmt.Sprintf("database-qualified name %s.%s is not allowed", t.text, toks[j+2].text),
					"name the table alone: seeds run in the tenant's own database"})
			}
		}
	}
	return ps
}

// checkSeedStmt returns the problems of one seed statement.
func checkSeedStmt(toks []token) []sqlProblem {
	first := toks[0]
	if p, ok := commonReject(toks); ok {
		return []sqlProblem{p}
	}
	if p, ok := reservedTable(toks, "a seed may not write or read it"); ok {
		return []sqlProblem{p}
	}
	switch first.upper {
	case "INSERT", "REPLACE", "UPDATE", "DELETE":
	case "CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE":
		if first.upper == "DROP" && len(toks) > 1 && (toks[1].upper == "DATABASE" || toks[1].upper == "SCHEMA") {
			return []sqlProblem{{first, "DROP DATABASE is not allowed", "strata never drops a tenant database from SQL; decommission the tenant instead"}}
		}
		return []sqlProblem{{first, first.upper + " is schema, not data: not allowed in a seed file",
			"move it to the layer's .sql files; seed files hold INSERT, REPLACE, UPDATE and DELETE only"}}
	default:
		return []sqlProblem{{first, first.upper + " is not allowed in a seed file", "seed files hold INSERT, REPLACE, UPDATE and DELETE only"}}
	}
	var ps []sqlProblem
	for i, t := range toks {
		if t.kind == tokWord && tableListKeywords[t.upper] {
			ps = append(ps, qualifiedTables(toks[i+1:])...)
		}
	}
	return ps
}
