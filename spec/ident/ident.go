// Package ident quotes MySQL identifiers and string literals that strata
// builds from validated names.
package ident

import "strings"

// Quote returns name as a backquoted identifier.
func Quote(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// GrantDB returns database as the backquoted database part of a GRANT, with
// the LIKE wildcards `_` and `%` escaped so the grant matches this database
// only (an unescaped tenant_ab_c would also match tenant_abxc).
func GrantDB(database string) string {
	return "`" + strings.ReplaceAll(GrantPattern(database), "`", "``") + "`"
}

// GrantPattern is database as a GRANT pattern with its wildcards escaped,
// as the server stores it in mysql.db: tenant_ab_c is tenant\_ab\_c.
func GrantPattern(database string) string {
	return strings.NewReplacer(`\`, `\\`, "_", `\_`, "%", `\%`).Replace(database)
}

// String returns s as a single-quoted string literal, for account names in
// statements that take no placeholders (CREATE USER, GRANT).
func String(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}
