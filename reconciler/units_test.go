package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/spec"
)

// unitCase is a layer change applied through the reconciler: the tenant is
// provisioned at from, rows ("; "-separated) go in, the layer becomes to.
// Unapproved, the tenant must be blocked (never failed) with its rows
// intact; with approve merged it must converge to exactly what to creates,
// keeping the rows check counts.
type unitCase struct {
	name, from, rows, to string
	approve              []string // none: the change needs no approval
	check                string   // a COUNT(*) that must be 1 before and after the change ("DB." is the tenant database)
}

var unitCases = []unitCase{
	{
		name:    "index columns change",
		from:    "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(50) NOT NULL, KEY by_name (name));",
		rows:    "INSERT INTO DB.members VALUES (1, 'Ada', 'ada@example.org')",
		to:      "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, email VARCHAR(50) NOT NULL, KEY by_name (name, email));",
		approve: []string{"DROP INDEX members.by_name"},
		check:   "SELECT COUNT(*) FROM DB.members WHERE name = 'Ada'",
	},
	{
		name:    "foreign key action change",
		from:    "CREATE TABLE members (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id INT NOT NULL, CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id));",
		rows:    "INSERT INTO DB.members VALUES (1); INSERT INTO DB.notes VALUES (1, 1)",
		to:      "CREATE TABLE members (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id INT NOT NULL, CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE);",
		approve: []string{"DROP FOREIGN KEY notes.fk_member"},
		check:   "SELECT COUNT(*) FROM DB.notes",
	},
	{
		name:    "foreign key dropped with its implicit index",
		from:    "CREATE TABLE members (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id INT NOT NULL, CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id));",
		rows:    "INSERT INTO DB.members VALUES (1); INSERT INTO DB.notes VALUES (1, 1)",
		to:      "CREATE TABLE members (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id INT NOT NULL);",
		approve: []string{"DROP FOREIGN KEY notes.fk_member"},
		check:   "SELECT COUNT(*) FROM DB.notes",
	},
	{
		name:    "primary key dropped from an AUTO_INCREMENT column",
		from:    "CREATE TABLE events (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NULL);",
		rows:    "INSERT INTO DB.events (v) VALUES (7)",
		to:      "CREATE TABLE events (id INT NOT NULL, v INT NULL);",
		approve: []string{"DROP PRIMARY KEY events"},
		check:   "SELECT COUNT(*) FROM DB.events WHERE v = 7",
	},
	{
		name:    "virtual column made stored",
		from:    "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, price INT NOT NULL, total INT AS (price * 2) VIRTUAL, note VARCHAR(10) NULL, KEY by_total (total));",
		rows:    "INSERT INTO DB.items (id, price, note) VALUES (1, 21, 'x')",
		to:      "CREATE TABLE items (id INT NOT NULL PRIMARY KEY, price INT NOT NULL, total INT AS (price * 2) STORED, note VARCHAR(10) NULL, KEY by_total (total));",
		approve: []string{"DROP COLUMN items.total"},
		check:   "SELECT COUNT(*) FROM DB.items WHERE total = 42",
	},
	{
		name:  "key column widened with the foreign key on it",
		from:  "CREATE TABLE members (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id INT NOT NULL, CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id));",
		rows:  "INSERT INTO DB.members VALUES (1); INSERT INTO DB.notes VALUES (1, 1)",
		to:    "CREATE TABLE members (id BIGINT NOT NULL PRIMARY KEY);\nCREATE TABLE notes (id INT NOT NULL PRIMARY KEY, member_id BIGINT NOT NULL, CONSTRAINT fk_member FOREIGN KEY (member_id) REFERENCES members (id));",
		check: "SELECT COUNT(*) FROM DB.notes WHERE member_id = 1",
	},
	{
		name:  "column and table renamed",
		from:  "CREATE TABLE people (id INT NOT NULL PRIMARY KEY, fullname VARCHAR(50) NOT NULL, KEY by_name (fullname));",
		rows:  "INSERT INTO DB.people VALUES (1, 'Ada Lovelace')",
		to:    "CREATE TABLE members ( -- strata:renamed-from people\n  id INT NOT NULL PRIMARY KEY,\n  name VARCHAR(80) NOT NULL, -- strata:renamed-from fullname\n  KEY by_name (name)\n);",
		check: "SELECT COUNT(*) FROM DB.members WHERE name = 'Ada Lovelace'",
	},
	{
		name:  "column name changes letter case",
		from:  "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);",
		rows:  "INSERT INTO DB.members VALUES (1, 'Ada')",
		to:    "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, Name VARCHAR(50) NOT NULL);",
		check: "SELECT COUNT(*) FROM DB.members WHERE Name = 'Ada'",
	},
}

// TestUnitsApply runs each unitCase through plan and apply: a change that
// waits for approval leaves the tenant blocked with its data, never failed
// half way; approved, it converges in one apply to what the layer creates.
func TestUnitsApply(t *testing.T) {
	for _, c := range unitCases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			tn := f.tenant("acme", unitLayer(c.from))
			if res := f.apply(Options{}); res.ExitCode() != 0 {
				t.Fatalf("provision: %+v", res.Tenants)
			}
			db := "`" + tn.Database + "`."
			for _, q := range strings.Split(c.rows, "; ") {
				f.exec(strings.ReplaceAll(q, "DB.", db))
			}
			check := strings.ReplaceAll(c.check, "DB.", db)

			tn = f.tenant("acme", unitLayer(c.to))
			if len(c.approve) > 0 {
				res := f.apply(Options{Commit: "c2"})
				if tr := f.result(res, "acme"); res.ExitCode() != 2 || tr.Outcome != OutcomeBlocked {
					t.Fatalf("unapproved: exit %d outcome %s (%s), want 2 blocked", res.ExitCode(), tr.Outcome, tr.Error)
				}
				if n := f.count(check); n != 1 {
					t.Fatalf("blocked: %s = %d, want 1", check, n)
				}
				tn.Approve.Destructive = c.approve
			}
			res := f.apply(Options{Commit: "c3"})
			if tr := f.result(res, "acme"); res.ExitCode() != 0 || tr.Outcome != OutcomeConverged {
				t.Fatalf("apply: exit %d outcome %s (%s) statements %v", res.ExitCode(), tr.Outcome, tr.Error, sqls(tr.Statements))
			}
			if got, want := f.live(tn.Database), f.reference(tn); got != want {
				t.Fatalf("live schema differs from what the layer creates:\nlive:\n%s\nwant:\n%s", got, want)
			}
			if n := f.count(check); n != 1 {
				t.Fatalf("%s = %d, want 1", check, n)
			}
			res = f.apply(Options{Commit: "c4"})
			if tr := f.result(res, "acme"); tr.Outcome != OutcomeConverged || len(tr.Statements) != 0 {
				t.Fatalf("second apply: outcome %s statements %v", tr.Outcome, sqls(tr.Statements))
			}
		})
	}
}

func unitLayer(sql string) *spec.Layer {
	l := layer(spec.LayerBasic, "basic", map[string]string{"basic/01.sql": sql}, nil)
	for _, f := range l.Files {
		r, err := spec.ParseRenames(f.Path, f.Content)
		if err != nil {
			panic(err) // the test's own SQL
		}
		f.Renames = r
	}
	return l
}
