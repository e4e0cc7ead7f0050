package reconciler

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// TestArchiveNameFits: an archive name is strata's prefix, a tag and the
// object, cut to MariaDB's 64 characters (runes, not bytes); names in use
// by another archive get another tag, while the name of an interrupted
// attempt at the same drop is reused.
func TestArchiveNameFits(t *testing.T) {
	long := strings.Repeat("ä", 60)
	a := &archivePlanner{t: &spec.Tenant{Name: "t"}, live: map[string]bool{}}
	tg := target{long, "fax_number_of_the_member"}
	n := a.name("DROP COLUMN "+long+".fax_number_of_the_member", tg)
	if utf8.RuneCountInString(n) != 64 || !strings.HasPrefix(n, spec.ArchivePrefix) || !utf8.ValidString(n) {
		t.Fatalf("name %q: %d runes", n, utf8.RuneCountInString(n))
	}
	short := a.name("DROP TABLE notes", target{table: "notes"})
	if len(short) != len(spec.ArchivePrefix)+8+1+len("notes") || !strings.HasSuffix(short, "_notes") {
		t.Fatalf("name %q", short)
	}
	a.live[strings.ToLower(short)] = true
	other := a.name("DROP TABLE notes", target{table: "notes"})
	if other == short {
		t.Fatalf("a name in use was given again: %q", other)
	}
	a.records = []landlord.Archive{{Table: short, State: landlord.ArchiveArchiving}}
	if again := a.name("DROP TABLE notes", target{table: "notes"}); again != short {
		t.Fatalf("an interrupted attempt's name was not reused: %q, want %q", again, short)
	}
	if !spec.Reserved(short) || !spec.Reserved(strings.ToUpper(n)) {
		t.Fatal("archive names are not reserved")
	}
}

// TestParseCreate reads the column, primary key and foreign key lines of
// SHOW CREATE TABLE, quoted names with backquotes included.
func TestParseCreate(t *testing.T) {
	d := parseCreate("CREATE TABLE `m` (\n  `id` int(11) NOT NULL,\n  `a``b` varchar(3) DEFAULT NULL,\n  `org` int(11) NOT NULL,\n" +
		"  PRIMARY KEY (`org`,`id`),\n  KEY `x` (`a``b`),\n  CONSTRAINT `fk``1` FOREIGN KEY (`org`) REFERENCES `orgs` (`id`) ON DELETE CASCADE\n) ENGINE=InnoDB")
	if d.columns["a`b"] != "`a``b` varchar(3) DEFAULT NULL" || len(d.columns) != 3 {
		t.Errorf("columns %q", d.columns)
	}
	if strings.Join(d.primaryKey, ",") != "org,id" {
		t.Errorf("primary key %q", d.primaryKey)
	}
	if len(d.foreignKeys) != 1 || d.foreignKeys[0].name != "fk`1" || !strings.HasSuffix(d.foreignKeys[0].line, "ON DELETE CASCADE") {
		t.Errorf("foreign keys %+v", d.foreignKeys)
	}
}
