package snapshot

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
)

// definitionsBase is a schema with what a change by hand can reach: column
// types, defaults and comments, indexes, a foreign key, a check, table options.
var definitionsBase = []string{
	"CREATE TABLE members (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL DEFAULT '' COMMENT 'login', " +
		"age INT, CONSTRAINT members_age_ck CHECK (age >= 0), UNIQUE KEY members_email (email), KEY members_age (age)) ROW_FORMAT=DYNAMIC",
	"CREATE TABLE dues (id INT PRIMARY KEY, member_id INT, created TIMESTAMP NOT NULL DEFAULT '2020-01-01 00:00:00', " +
		"email_len INT AS (member_id + 1) VIRTUAL, KEY dues_member (member_id), " +
		"CONSTRAINT dues_member_fk FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT) COMMENT 'fees, AUTO_INCREMENT=1'",
	"CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
}

// TestDefinitionsTellEveryChange checks that two databases of the same
// schema have equal Definitions whatever their data, counters and strata's
// own tables, and that every change by hand the fingerprint sees makes
// them differ too (the check after an apply accepts on equal Definitions).
func TestDefinitionsTellEveryChange(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	multi := dbtest.OpenMulti(t)
	databaseOf := func(stmts ...string) string {
		name := dbtest.Database(t, db, "strata_defs_")
		// Set again: a concurrent scan of information_schema can cache the
		// server's defaults for a database being created (layers/dbdefaults.go).
		dbtest.Exec(t, db, name, append([]string{"ALTER DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"}, stmts...)...)
		return name
	}
	schemaOf := func(extra ...string) string { return databaseOf(append(definitionsBase, extra...)...) }
	read := func(name string) (*Definitions, string) {
		t.Helper()
		d, err := ReadDefinitions(ctx, db, name)
		if err != nil {
			t.Fatal(err)
		}
		fp, err := fingerprint.Schema(ctx, db, name)
		if err != nil {
			t.Fatal(err)
		}
		return d, fp
	}
	wantDB := schemaOf()
	want, wantFP := read(wantDB)
	sameDB := schemaOf(
		"INSERT INTO members (email) VALUES ('a@b'), ('c@d')",
		"CREATE TABLE _strata_seeds (id INT PRIMARY KEY)",
	)
	same, sameFP := read(sameDB)
	if !same.Equal(want) || sameFP != wantFP {
		t.Fatalf("same schema, other data and counters: definitions equal %v, fingerprints equal %v", same.Equal(want), sameFP == wantFP)
	}
	printing, err := PrintingDefaults(ctx, db)
	if err != nil || !strings.Contains(printing, "version=") {
		t.Fatalf("printing defaults %q, %v", printing, err)
	}
	matches := func(name string) bool {
		t.Helper()
		ok, err := want.Matches(ctx, multi, name, printing)
		if ok && err != nil {
			t.Fatalf("matches with an error: %v", err)
		}
		return ok
	}
	if !matches(sameDB) {
		t.Fatal("same schema: Matches reports a difference")
	}
	// Read on a server that prints defaults otherwise: never the same.
	if ok, _ := want.Matches(ctx, multi, sameDB, printing+"character_set_collations=utf8mb4=utf8mb4_uca1400_ai_ci\n"); ok {
		t.Fatal("definitions match across servers that print defaults differently")
	}
	changes := map[string][]string{
		"column added":          {"ALTER TABLE members ADD COLUMN fax VARCHAR(20)"},
		"column type":           {"ALTER TABLE members MODIFY email VARCHAR(120) NOT NULL DEFAULT '' COMMENT 'login'"},
		"column default":        {"ALTER TABLE members ALTER email SET DEFAULT 'x'"},
		"column comment":        {"ALTER TABLE members MODIFY email VARCHAR(100) NOT NULL DEFAULT '' COMMENT 'sign-in'"},
		"column collation":      {"ALTER TABLE members MODIFY email VARCHAR(100) COLLATE utf8mb4_bin NOT NULL DEFAULT '' COMMENT 'login'"},
		"index dropped":         {"ALTER TABLE members DROP INDEX members_age"},
		"index ignored":         {"ALTER TABLE members ALTER INDEX members_age IGNORED"},
		"index renamed":         {"ALTER TABLE members RENAME INDEX members_age TO members_years"},
		"foreign key rule":      {"ALTER TABLE dues DROP FOREIGN KEY dues_member_fk", "ALTER TABLE dues ADD CONSTRAINT dues_member_fk FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE"},
		"check clause":          {"ALTER TABLE members DROP CONSTRAINT members_age_ck", "ALTER TABLE members ADD CONSTRAINT members_age_ck CHECK (age > 0)"},
		"check dropped":         {"ALTER TABLE members DROP CONSTRAINT members_age_ck"},
		"table option":          {"ALTER TABLE members ROW_FORMAT=COMPACT"},
		"table comment":         {"ALTER TABLE dues COMMENT 'fees'"},
		"counter-like comment":  {"ALTER TABLE dues COMMENT 'fees, AUTO_INCREMENT=2'"},
		"table dropped":         {"DROP TABLE dues"},
		"table added":           {"CREATE TABLE extra (id INT PRIMARY KEY)"},
		"timestamp default":     {"ALTER TABLE dues ALTER created SET DEFAULT '2021-01-01 00:00:00'"},
		"generated stored":      {"ALTER TABLE dues DROP COLUMN email_len", "ALTER TABLE dues ADD COLUMN email_len INT AS (member_id + 1) PERSISTENT"},
		"generated expression":  {"ALTER TABLE dues DROP COLUMN email_len", "ALTER TABLE dues ADD COLUMN email_len INT AS (member_id + 2) VIRTUAL"},
		"index descending":      {"ALTER TABLE members DROP INDEX members_age, ADD INDEX members_age (age DESC)"},
		"column invisible":      {"ALTER TABLE members MODIFY age INT INVISIBLE"},
		"column charset":        {"ALTER TABLE members MODIFY email VARCHAR(100) CHARACTER SET latin1 NOT NULL DEFAULT '' COMMENT 'login'"},
		"partitioned":           {"ALTER TABLE notes PARTITION BY HASH (id) PARTITIONS 2"},
		"system versioning":     {"ALTER TABLE notes ADD SYSTEM VERSIONING"},
		"engine":                {"ALTER TABLE notes ENGINE=Aria"},
		"view added":            {"CREATE VIEW adults AS SELECT id FROM members WHERE age >= 18"},
		"database collation":    {"ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"},
		"table collation":       {"ALTER TABLE dues DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_bin"},
		"auto increment column": {"ALTER TABLE dues MODIFY id INT NOT NULL AUTO_INCREMENT"},
	}
	one := map[string]*Definitions{sameDB: same, wantDB: want}
	// Read in a session of another time zone: the same (a TIMESTAMP
	// default prints in the session's time zone).
	cfg := dbtest.Config(t)
	cfg.Params = map[string]string{"time_zone": "'+05:00'"}
	elsewhere, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer elsewhere.Close()
	if d, err := ReadDefinitions(ctx, elsewhere, wantDB); err != nil || !d.Equal(want) {
		t.Fatalf("definitions read in another time zone: equal %v, %v", d.Equal(want), err)
	}
	// A database with no tables, and one with strata's own alone: alike.
	var bare []string
	for _, extra := range [][]string{nil, {"CREATE TABLE _strata_seeds (id INT PRIMARY KEY)"}} {
		name := databaseOf(extra...)
		if one[name], err = ReadDefinitions(ctx, db, name); err != nil {
			t.Fatal(err)
		}
		bare = append(bare, name)
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			name := schemaOf(change...)
			got, gotFP := read(name)
			one[name] = got
			if gotFP == wantFP {
				t.Fatalf("the fingerprint does not see %q", change)
			}
			if got.Equal(want) || matches(name) || (got.Key() == want.Key() && got.Key() != "") {
				t.Fatalf("definitions equal after %q", change)
			}
		})
	}
	if _, err := ReadDefinitions(ctx, db, "strata_defs_none"); err == nil {
		t.Fatal("definitions of a database that does not exist: no error")
	}

	// ReadMany reads them all as ReadDefinitions does, and skips a database
	// that does not exist.
	names := []string{"strata_defs_none"}
	for name := range one {
		names = append(names, name)
	}
	defer func(n int) { manyChunk = n }(manyChunk)
	manyChunk = 4 // several chunks, read two at a time
	many := map[string]*Definitions{}
	if err := ReadMany(ctx, multi, printing, names, func(name string, d *Definitions) { many[name] = d }); err != nil {
		t.Fatal(err)
	}
	if _, ok := many["strata_defs_none"]; ok || len(many) != len(one) {
		t.Fatalf("ReadMany read %d databases of %d, with one that does not exist: %v", len(many), len(one), ok)
	}
	for name, d := range one {
		got := many[name]
		if got.Key() != d.Key() || got.Equal(d) != (d.Key() != "") || got.Equal(want) != d.Equal(want) {
			t.Errorf("%s: ReadMany's definitions differ from ReadDefinitions' (key %q, want %q)", name, got.Key(), d.Key())
		}
	}
	if many[sameDB].Key() != want.Key() || want.Key() == "" || many[bare[0]].Key() != many[bare[1]].Key() {
		t.Fatal("the same schema in two databases: ReadMany's keys differ")
	}
}
