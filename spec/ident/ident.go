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
func GrantPattern(database string) string { return Like(database) }

// Like returns s as a LIKE pattern that matches s alone: its wildcards and
// the escape character escaped.
func Like(s string) string { return likeEscaper.Replace(s) }

// String returns s as a single-quoted string literal, for account names in
// statements that take no placeholders (CREATE USER, GRANT).
func String(s string) string { return "'" + stringEscaper.Replace(s) + "'" }

// The escapers, made once: a Replacer builds its tables on first use.
var (
	likeEscaper   = strings.NewReplacer(`\`, `\\`, "_", `\_`, "%", `\%`)
	stringEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
)

// Unquote reads the backquoted identifier s starts with, as the server
// prints it (a ` inside doubled), and returns it unquoted with the rest of
// s; ok is false when s does not start with a whole one.
func Unquote(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, "`") {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '`' {
			if i+1 < len(s) && s[i+1] == '`' {
				b.WriteByte('`')
				i++
				continue
			}
			return b.String(), s[i+1:], true
		}
		b.WriteByte(s[i])
	}
	return "", s, false
}
