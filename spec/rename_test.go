package spec

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRenames(t *testing.T) {
	src := "CREATE TABLE IF NOT EXISTS `members` ( -- strata:renamed-from people\n" +
		"  id INT NOT NULL PRIMARY KEY,\n" +
		"  `display name` VARCHAR(10) NULL, -- strata:renamed-from `full name`\n" +
		"  email VARCHAR(10) NULL # strata:renamed-from mail\n" +
		");\n" +
		"-- a comment that mentions nothing\n" +
		"ALTER TABLE members ADD COLUMN phone INT NULL; -- strata:renamed-from tel\n" +
		"ALTER TABLE members\n  ADD fax INT NULL; -- strata:renamed-from telefax\n"
	got, err := ParseRenames("basic/001.sql", []byte(src))
	require.NoError(t, err)
	require.Equal(t, []Rename{
		{Table: "members", From: "people", File: "basic/001.sql", Line: 1},
		{Table: "members", Column: "display name", From: "full name", File: "basic/001.sql", Line: 3},
		{Table: "members", Column: "email", From: "mail", File: "basic/001.sql", Line: 4},
		{Table: "members", Column: "phone", From: "tel", File: "basic/001.sql", Line: 7},
		{Table: "members", Column: "fax", From: "telefax", File: "basic/001.sql", Line: 9},
	}, got)

	_, err = ParseRenames("basic/002.sql", []byte("CREATE TABLE t (\n  id INT, -- strata:renamed-from ID\n  x INT);\n"))
	var ds Diagnostics
	require.True(t, errors.As(err, &ds), "%v", err)
	require.Equal(t, "basic/002.sql:2:11: t.id is declared renamed from ID, the same name", ds[0].String()[:len("basic/002.sql:2:11: t.id is declared renamed from ID, the same name")])
}
