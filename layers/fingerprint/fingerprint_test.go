package fingerprint_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
)

// baseDDL is a small tenant schema with every kind of object the
// fingerprint covers: column types, defaults, comments, charsets, indexes
// (unique, composite, prefix), foreign keys, checks, a generated column and
// table options.
var baseDDL = []string{
	"CREATE TABLE members (" +
		"id INT UNSIGNED NOT NULL AUTO_INCREMENT," +
		"legacy_id INT UNSIGNED NULL," +
		"email VARCHAR(191) NOT NULL," +
		"name VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL DEFAULT 'anon' COMMENT 'display name'," +
		"fax VARCHAR(30) NULL," +
		"bio TEXT NULL," +
		"status ENUM('active','inactive') NOT NULL DEFAULT 'active'," +
		"created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP," +
		"PRIMARY KEY (id)," +
		"UNIQUE KEY uq_email (email)," +
		"UNIQUE KEY uq_legacy (legacy_id)," +
		"KEY idx_name_status (name, status)," +
		"KEY idx_bio (bio(20))" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='people'",
	"CREATE TABLE `groups` (" +
		"id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
		"title VARCHAR(100) NOT NULL" +
		") ENGINE=InnoDB",
	"CREATE TABLE memberships (" +
		"id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY," +
		"member_id INT UNSIGNED NOT NULL," +
		"group_id INT UNSIGNED NOT NULL," +
		"amount DECIMAL(10,2) NOT NULL DEFAULT 0," +
		"total DECIMAL(12,2) AS (amount * 2) VIRTUAL," +
		"KEY idx_group (group_id)," +
		"CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE," +
		"CONSTRAINT fk_group FOREIGN KEY (group_id) REFERENCES `groups` (id) ON DELETE RESTRICT," +
		"CONSTRAINT chk_amount CHECK (amount >= 0)" +
		") ENGINE=InnoDB",
	"CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, body VARCHAR(200) NOT NULL) ENGINE=InnoDB",
	"CREATE TABLE events (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at)) ENGINE=InnoDB" +
		" PARTITION BY RANGE (YEAR(at)) (PARTITION p2025 VALUES LESS THAN (2026) COMMENT 'old', PARTITION pmax VALUES LESS THAN MAXVALUE)",
}

// build creates a schema from baseDDL followed by extra statements.
func build(t *testing.T, db *sql.DB, prefix string, extra ...string) string {
	t.Helper()
	name := dbtest.Database(t, db, prefix)
	dbtest.Exec(t, db, name, append(append([]string{}, baseDDL...), extra...)...)
	return name
}

func TestSchemasExactness(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("fpx") + "_"
	base := build(t, db, prefix)

	cases := []struct {
		name    string
		alter   []string
		changes bool
	}{
		// Every difference Atlas would plan a statement for changes the fingerprint.
		{"column type", []string{"ALTER TABLE members MODIFY fax VARCHAR(40) NULL"}, true},
		{"column signedness", []string{"ALTER TABLE notes MODIFY id INT UNSIGNED NOT NULL"}, true},
		{"nullability", []string{"ALTER TABLE members MODIFY fax VARCHAR(30) NOT NULL"}, true},
		{"default", []string{"ALTER TABLE members ALTER name SET DEFAULT 'someone'"}, true},
		{"default dropped", []string{"ALTER TABLE members ALTER status DROP DEFAULT"}, true},
		{"charset", []string{"ALTER TABLE members MODIFY name VARCHAR(100) CHARACTER SET latin1 NULL DEFAULT 'anon' COMMENT 'display name'"}, true},
		{"collation", []string{"ALTER TABLE members MODIFY name VARCHAR(100) COLLATE utf8mb4_bin NULL DEFAULT 'anon' COMMENT 'display name'"}, true},
		{"column comment", []string{"ALTER TABLE members MODIFY name VARCHAR(100) NULL DEFAULT 'anon' COMMENT 'full name'"}, true},
		{"column order", []string{"ALTER TABLE members MODIFY fax VARCHAR(30) NULL AFTER id"}, true},
		{"on update", []string{"ALTER TABLE members MODIFY created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"}, true},
		{"generation expression", []string{"ALTER TABLE memberships MODIFY total DECIMAL(12,2) AS (amount * 3) VIRTUAL"}, true},
		{"column added", []string{"ALTER TABLE notes ADD COLUMN extra INT NULL"}, true},
		{"column dropped", []string{"ALTER TABLE members DROP COLUMN fax"}, true},
		{"index column order", []string{"ALTER TABLE members DROP INDEX idx_name_status, ADD INDEX idx_name_status (status, name)"}, true},
		{"index uniqueness", []string{"ALTER TABLE memberships DROP INDEX idx_group, ADD UNIQUE INDEX idx_group (group_id)"}, true},
		{"index added", []string{"CREATE INDEX idx_fax ON members (fax)"}, true},
		{"index dropped", []string{"DROP INDEX idx_name_status ON members"}, true},
		{"index prefix length", []string{"ALTER TABLE members DROP INDEX idx_bio, ADD INDEX idx_bio (bio(30))"}, true},
		{"index comment", []string{"ALTER TABLE members DROP INDEX idx_name_status, ADD INDEX idx_name_status (name, status) COMMENT 'lookup'"}, true},
		{"fk delete action", []string{
			"ALTER TABLE memberships DROP FOREIGN KEY fk_member",
			"ALTER TABLE memberships ADD CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT",
		}, true},
		{"fk update action", []string{
			"ALTER TABLE memberships DROP FOREIGN KEY fk_member",
			"ALTER TABLE memberships ADD CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE ON UPDATE CASCADE",
		}, true},
		{"fk referenced column", []string{
			"ALTER TABLE memberships DROP FOREIGN KEY fk_member",
			"ALTER TABLE memberships ADD CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (legacy_id) ON DELETE CASCADE",
		}, true},
		{"fk referenced table", []string{
			"ALTER TABLE memberships DROP FOREIGN KEY fk_member",
			"ALTER TABLE memberships ADD CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES `groups` (id) ON DELETE CASCADE",
		}, true},
		{"fk dropped", []string{"ALTER TABLE memberships DROP FOREIGN KEY fk_group"}, true},
		{"check constraint", []string{
			"ALTER TABLE memberships DROP CONSTRAINT chk_amount",
			"ALTER TABLE memberships ADD CONSTRAINT chk_amount CHECK (amount > 0)",
		}, true},
		{"check added", []string{"ALTER TABLE notes ADD CONSTRAINT chk_body CHECK (body <> '')"}, true},
		{"table comment", []string{"ALTER TABLE members COMMENT 'persons'"}, true},
		{"engine", []string{"ALTER TABLE notes ENGINE=MyISAM"}, true},
		{"table collation", []string{"ALTER TABLE notes DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_bin"}, true},
		{"table added", []string{"CREATE TABLE extra (id INT PRIMARY KEY)"}, true},
		{"table dropped", []string{"DROP TABLE notes"}, true},
		{"table renamed", []string{"RENAME TABLE notes TO notes2"}, true},
		{"schema collation", []string{"ALTER DATABASE /*schema*/ COLLATE utf8mb4_bin"}, true},
		// Table options and IGNORED, which strata plans itself (Atlas does not).
		{"row format", []string{"ALTER TABLE notes ROW_FORMAT=COMPRESSED"}, true},
		{"key block size", []string{"ALTER TABLE notes ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=4"}, true},
		{"stats persistent", []string{"ALTER TABLE notes STATS_PERSISTENT=0"}, true},
		{"page compressed", []string{"ALTER TABLE notes PAGE_COMPRESSED=1"}, true},
		{"index ignored", []string{"ALTER TABLE members ALTER INDEX idx_name_status IGNORED"}, true},
		// How a table is partitioned, which strata reports as diverged.
		{"partitioning removed", []string{"ALTER TABLE events REMOVE PARTITIONING"}, true},
		{"partition added", []string{"ALTER TABLE events REORGANIZE PARTITION pmax INTO (PARTITION p2026 VALUES LESS THAN (2027), PARTITION pmax VALUES LESS THAN MAXVALUE)"}, true},
		{"partition bound", []string{"ALTER TABLE events REORGANIZE PARTITION p2025, pmax INTO (PARTITION p2025 VALUES LESS THAN (2025) COMMENT 'old', PARTITION pmax VALUES LESS THAN MAXVALUE)"}, true},
		{"partition comment", []string{"ALTER TABLE events REORGANIZE PARTITION p2025 INTO (PARTITION p2025 VALUES LESS THAN (2026) COMMENT 'older')"}, true},
		{"partition method", []string{"ALTER TABLE events PARTITION BY HASH (id) PARTITIONS 2"}, true},
		{"partition expression", []string{"ALTER TABLE events PARTITION BY RANGE (MONTH(at)) (PARTITION p2025 VALUES LESS THAN (2026) COMMENT 'old', PARTITION pmax VALUES LESS THAN MAXVALUE)"}, true},
		{"partitioned elsewhere only", []string{"ALTER TABLE notes PARTITION BY HASH (id) PARTITIONS 2"}, true},

		// What changes without DDL, or prints the same, the fingerprint ignores.
		{"same DDL, other schema name", nil, false},
		{"auto_increment counter", []string{"ALTER TABLE members AUTO_INCREMENT = 5000"}, false},
		{"rows inserted", []string{
			"INSERT INTO members (email) VALUES ('a@example.org'), ('b@example.org')",
			"INSERT INTO `groups` (title) VALUES ('board')",
			"INSERT INTO memberships (member_id, group_id, amount) VALUES (1, 1, 10)",
			"INSERT INTO notes VALUES (1, 'x')",
			"ANALYZE TABLE members, memberships",
		}, false},
	}

	names := make([]string, len(cases))
	for i, c := range cases {
		name := dbtest.Database(t, db, prefix)
		stmts := append(append([]string{}, baseDDL...), c.alter...)
		for j, s := range stmts {
			stmts[j] = strings.ReplaceAll(s, "/*schema*/", "`"+name+"`")
		}
		dbtest.Exec(t, db, name, stmts...)
		names[i] = name
	}

	// One bulk pass over every case and the base, as the reconciler does.
	all, err := fingerprint.Schemas(ctx, db, append([]string{base}, names...))
	if err != nil {
		t.Fatal(err)
	}
	want := all[base]
	if len(want) != 64 {
		t.Fatalf("base fingerprint %q is not a hex SHA-256", want)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := all[names[i]]
			if !ok {
				t.Fatalf("schema %s missing from the bulk result", names[i])
			}
			if changed := got != want; changed != c.changes {
				t.Errorf("fingerprint changed = %v, want %v (base %s, altered %s)", changed, c.changes, want, got)
			}
			// The single-schema path gives the same answer as the bulk pass.
			one, err := fingerprint.Schema(ctx, db, names[i])
			if err != nil {
				t.Fatal(err)
			}
			if one != got {
				t.Errorf("Schema = %s, Schemas = %s", one, got)
			}
		})
	}
}

func TestSchemasMissingAndPrefix(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("fpp") + "_"
	a := build(t, db, prefix)
	b := build(t, db, prefix)
	empty := dbtest.Database(t, db, prefix)
	missing := prefix + "missing"
	// A LIKE with an unescaped "_" in the prefix would also match this one.
	decoy := dbtest.Database(t, db, strings.TrimSuffix(prefix, "_")+"x")

	got, err := fingerprint.Schemas(ctx, db, []string{a, b, empty, missing})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[missing]; ok {
		t.Errorf("missing schema %s has a fingerprint", missing)
	}
	if len(got) != 3 {
		t.Errorf("got %d fingerprints, want 3: %v", len(got), got)
	}
	if got[a] != got[b] {
		t.Errorf("schemas from the same DDL differ: %s vs %s", got[a], got[b])
	}
	if got[empty] == got[a] || got[empty] == "" {
		t.Errorf("empty schema fingerprint %q must differ from a populated one", got[empty])
	}

	byPrefix, err := fingerprint.Prefix(ctx, db, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(byPrefix) != 3 || byPrefix[a] != got[a] || byPrefix[empty] != got[empty] {
		t.Errorf("Prefix = %v, want the same 3 fingerprints as Schemas %v", byPrefix, got)
	}
	if _, ok := byPrefix[decoy]; ok {
		t.Errorf("Prefix(%q) matched %s: _ in the prefix is not escaped", prefix, decoy)
	}

	if _, err := fingerprint.Schema(ctx, db, missing); !errors.Is(err, fingerprint.ErrNotFound) {
		t.Errorf("Schema(missing) error = %v, want ErrNotFound", err)
	}
	if m, err := fingerprint.Schemas(ctx, db, nil); err != nil || len(m) != 0 {
		t.Errorf("Schemas(nil) = %v, %v; want empty map", m, err)
	}
}

// A foreign key to a table in another schema keeps that schema's name: it is
// a different reference from one to the schema's own table of the same name.
func TestSchemasCrossSchemaReference(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("fpr") + "_"
	shared := dbtest.Database(t, db, prefix)
	dbtest.Exec(t, db, shared, "CREATE TABLE countries (id INT PRIMARY KEY)")
	local := dbtest.Database(t, db, prefix)
	dbtest.Exec(t, db, local,
		"CREATE TABLE countries (id INT PRIMARY KEY)",
		"CREATE TABLE addresses (id INT PRIMARY KEY, country_id INT NOT NULL, CONSTRAINT fk_country FOREIGN KEY (country_id) REFERENCES countries (id))")
	remote := dbtest.Database(t, db, prefix)
	dbtest.Exec(t, db, remote,
		"CREATE TABLE countries (id INT PRIMARY KEY)",
		"CREATE TABLE addresses (id INT PRIMARY KEY, country_id INT NOT NULL, CONSTRAINT fk_country FOREIGN KEY (country_id) REFERENCES `"+shared+"`.countries (id))")

	got, err := fingerprint.Schemas(ctx, db, []string{local, remote})
	if err != nil {
		t.Fatal(err)
	}
	if got[local] == got[remote] {
		t.Errorf("FK to own table and FK to %s.countries have the same fingerprint %s", shared, got[local])
	}
}
