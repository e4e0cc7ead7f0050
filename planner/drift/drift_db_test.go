package drift_test

import (
	"context"
	"reflect"
	"testing"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/planner/drift"
)

var tenantDDL = []string{
	"CREATE TABLE members (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(191) NOT NULL, name VARCHAR(100) NULL, UNIQUE KEY uq_email (email))",
	"CREATE TABLE `groups` (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL)",
	"CREATE TABLE memberships (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id INT UNSIGNED NOT NULL, group_id INT UNSIGNED NOT NULL, amount DECIMAL(10,2) NOT NULL DEFAULT 0," +
		" KEY idx_group (group_id)," +
		" CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE," +
		" CONSTRAINT fk_group FOREIGN KEY (group_id) REFERENCES `groups` (id)," +
		" CONSTRAINT chk_amount CHECK (amount >= 0))",
	"CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, body TEXT NOT NULL) ENGINE=InnoDB",
}

// TestCompareLive records a snapshot of a schema built on MariaDB, makes
// hand changes in a copy, inspects both with Atlas and scores the drift.
func TestCompareLive(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	drv, err := mysql.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	prefix := dbtest.Name("drift") + "_"
	// The snapshot comes from another schema than the live one, as a
	// snapshot of the composition would.
	base := dbtest.Database(t, db, prefix)
	dbtest.Exec(t, db, base, tenantDDL...)
	snap, err := drv.InspectSchema(ctx, base, nil)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		hand     []string
		want     []string
		severity drift.Severity
	}{
		{"rows inserted, counters moved", []string{
			"INSERT INTO members (email) VALUES ('a@example.org'), ('b@example.org')",
			"INSERT INTO `groups` (title) VALUES ('board')",
			"INSERT INTO memberships (member_id, group_id, amount) VALUES (2, 1, 5)",
		}, []string{}, drift.None},
		{"column added", []string{"ALTER TABLE members ADD COLUMN fax VARCHAR(30) NULL"},
			[]string{"column members.fax added"}, drift.Medium},
		{"column widened and index added", []string{
			"ALTER TABLE members MODIFY name VARCHAR(150) NULL",
			"CREATE INDEX idx_name ON members (name)",
		}, []string{"column members.name modified (type)", "index members.idx_name added"}, drift.Medium},
		{"column dropped", []string{"ALTER TABLE notes DROP COLUMN body"},
			[]string{"column notes.body removed"}, drift.Medium},
		{"table added", []string{"CREATE TABLE scratch (id INT PRIMARY KEY)"},
			[]string{"table scratch added"}, drift.High},
		{"table dropped", []string{"DROP TABLE notes"},
			[]string{"table notes removed"}, drift.High},
		{"table and two columns added", []string{
			"CREATE TABLE scratch (id INT PRIMARY KEY)",
			"ALTER TABLE members ADD COLUMN fax VARCHAR(30) NULL, ADD COLUMN pager VARCHAR(30) NULL",
		}, []string{"column members.fax added", "column members.pager added", "table scratch added"}, drift.Critical},
		{"foreign key action changed", []string{
			"ALTER TABLE memberships DROP FOREIGN KEY fk_member",
			"ALTER TABLE memberships ADD CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT",
		}, []string{"foreign key memberships.fk_member modified (on delete)"}, drift.Low},
		{"foreign key dropped", []string{"ALTER TABLE memberships DROP FOREIGN KEY fk_group"},
			[]string{"foreign key memberships.fk_group removed"}, drift.Low},
		{"check changed", []string{
			"ALTER TABLE memberships DROP CONSTRAINT chk_amount",
			"ALTER TABLE memberships ADD CONSTRAINT chk_amount CHECK (amount > 0)",
		}, []string{"check memberships.chk_amount modified"}, drift.Low},
		{"engine changed", []string{"ALTER TABLE notes ENGINE=MyISAM"},
			[]string{"table option notes.engine modified"}, drift.Low},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			live := dbtest.Database(t, db, prefix)
			dbtest.Exec(t, db, live, append(append([]string{}, tenantDDL...), c.hand...)...)
			got, err := drv.InspectSchema(ctx, live, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := drift.Compare(snap, got, drift.WithDiffer(drv))
			if err != nil {
				t.Fatal(err)
			}
			if s := r.Strings(); !reflect.DeepEqual(s, c.want) {
				t.Errorf("differences = %q, want %q", s, c.want)
			}
			if r.Severity != c.severity {
				t.Errorf("severity %s (score %d), want %s", r.Severity, r.Score, c.severity)
			}
			// The snapshot serves every case: Compare must not have changed it.
			if snap.Name != base || len(snap.Tables) != 4 {
				t.Fatalf("snapshot changed: %s with %d tables", snap.Name, len(snap.Tables))
			}
		})
	}
}

var _ schema.Differ = (*mysql.Driver)(nil)
