package snapshot

import (
	"context"
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
)

func TestTake(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	tests := []struct {
		name                 string
		ddl                  []string
		tables, indexes, fks int
		contains             []string
	}{
		{"empty", nil, 0, 0, 0, nil},
		{"two tables, fk", []string{
			"CREATE TABLE members (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100), UNIQUE KEY members_email (email))",
			"CREATE TABLE dues (id INT PRIMARY KEY, member_id INT, KEY dues_member (member_id), CONSTRAINT dues_member_fk FOREIGN KEY (member_id) REFERENCES members (id))",
			"INSERT INTO members (email) VALUES ('a@b')",
		}, 2, 4, 1, []string{"CREATE TABLE `dues`", "CREATE TABLE `members`", "dues_member_fk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := dbtest.Database(t, db, "strata_snap_")
			for _, q := range tt.ddl {
				if _, err := db.ExecContext(ctx, strings.Replace(strings.Replace(q, "TABLE ", "TABLE `"+name+"`.", 1), "INTO ", "INTO `"+name+"`.", 1)); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			s, err := Take(ctx, db, name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Tables != tt.tables || s.Indexes != tt.indexes || s.ForeignKeys != tt.fks {
				t.Fatalf("counts = %d tables, %d indexes, %d fks; want %d, %d, %d", s.Tables, s.Indexes, s.ForeignKeys, tt.tables, tt.indexes, tt.fks)
			}
			for _, c := range tt.contains {
				if !strings.Contains(s.DDL, c) {
					t.Errorf("DDL lacks %q:\n%s", c, s.DDL)
				}
			}
			if strings.Contains(s.DDL, "AUTO_INCREMENT=") {
				t.Errorf("DDL keeps the AUTO_INCREMENT counter:\n%s", s.DDL)
			}
			// Rows change nothing; a schema change changes the hash.
			if len(tt.ddl) > 0 {
				db.ExecContext(ctx, "INSERT INTO `"+name+"`.members (email) VALUES ('c@d')")
				again, _ := Take(ctx, db, name)
				if again.Hash != s.Hash {
					t.Fatal("hash changed with data only")
				}
				db.ExecContext(ctx, "ALTER TABLE `"+name+"`.members ADD COLUMN fax VARCHAR(20)")
				if changed, _ := Take(ctx, db, name); changed.Hash == s.Hash {
					t.Fatal("hash unchanged after ADD COLUMN")
				}
			}
		})
	}
}

// TestWithoutCounter checks that the counter goes from the line that closes
// the columns, and nothing else that looks like it.
func TestWithoutCounter(t *testing.T) {
	for ddl, want := range map[string]string{
		"CREATE TABLE `a` (\n  `id` int NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4":         "CREATE TABLE `a` (\n  `id` int NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE `a` (\n  `id` int\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='x AUTO_INCREMENT=3'":                      "CREATE TABLE `a` (\n  `id` int\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='x AUTO_INCREMENT=3'",
		"CREATE TABLE `a` (\n  `b` int COMMENT ') ENGINE=InnoDB AUTO_INCREMENT=7'\n) ENGINE=Aria AUTO_INCREMENT=8":                  "CREATE TABLE `a` (\n  `b` int COMMENT ') ENGINE=InnoDB AUTO_INCREMENT=7'\n) ENGINE=Aria",
		"CREATE TABLE `a` (\n  `b` int\n) ENGINE=InnoDB AUTO_INCREMENT=":                                                            "CREATE TABLE `a` (\n  `b` int\n) ENGINE=InnoDB AUTO_INCREMENT=",
		") ENGINE=InnoDB AUTO_INCREMENT=1\n) ENGINE=InnoDB AUTO_INCREMENT=22 ROW_FORMAT=DYNAMIC\nx) ENGINE=InnoDB AUTO_INCREMENT=3": ") ENGINE=InnoDB\n) ENGINE=InnoDB ROW_FORMAT=DYNAMIC\nx) ENGINE=InnoDB AUTO_INCREMENT=3",
		") ENGINE= AUTO_INCREMENT=5":           ") ENGINE= AUTO_INCREMENT=5",
		") ENGINE=InnoDB\tAUTO_INCREMENT=5":    ") ENGINE=InnoDB\tAUTO_INCREMENT=5",
		") ENGINE=InnoDB\n AUTO_INCREMENT=5":   ") ENGINE=InnoDB\n AUTO_INCREMENT=5",
		") ENGINE=InnoDB AUTO_INCREMENT=5\r\n": ") ENGINE=InnoDB\r\n",
		"":                                     "",
	} {
		if got := withoutCounter(ddl); got != want {
			t.Errorf("withoutCounter(%q) = %q, want %q", ddl, got, want)
		}
	}
}
