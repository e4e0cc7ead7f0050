package fingerprint_test

import (
	"context"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// TestSeedsTableIgnored: strata's own spec.SeedsTable (with an index, as
// seeds create it) changes neither a schema's fingerprint nor its snapshot,
// so a seeded tenant stays in sync with its composition.
func TestSeedsTableIgnored(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("fps") + "_"
	plain := build(t, db, prefix)
	seeded := build(t, db, prefix, "CREATE TABLE "+ident.Quote(spec.SeedsTable)+
		" (path VARCHAR(255) NOT NULL PRIMARY KEY, checksum VARCHAR(64) NOT NULL, KEY by_checksum (checksum))")
	got, err := fingerprint.Schemas(ctx, db, []string{plain, seeded})
	if err != nil {
		t.Fatal(err)
	}
	if got[plain] != got[seeded] {
		t.Errorf("fingerprint with %s %s, without %s", spec.SeedsTable, got[seeded], got[plain])
	}
	a, err := snapshot.Take(ctx, db, plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := snapshot.Take(ctx, db, seeded)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash || a.Tables != b.Tables || a.Indexes != b.Indexes {
		t.Errorf("snapshot with %s: %d tables, %d indexes; without: %d, %d", spec.SeedsTable, b.Tables, b.Indexes, a.Tables, a.Indexes)
	}
}

// TestArchivesIgnored: the archives strata keeps of dropped tables and
// columns (spec.ArchivePrefix; one with an index and a foreign key, one
// named in another case) change neither a schema's fingerprint nor its
// snapshot, so a tenant with archives stays in sync with its composition.
func TestArchivesIgnored(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	prefix := dbtest.Name("fpa") + "_"
	plain := build(t, db, prefix)
	archived := build(t, db, prefix,
		"CREATE TABLE "+ident.Quote(spec.ArchivePrefix+"ab12cd_notes")+
			" (id INT UNSIGNED NOT NULL PRIMARY KEY, gid INT UNSIGNED NULL, KEY by_gid (gid), CONSTRAINT arch_fk FOREIGN KEY (gid) REFERENCES `groups` (id))",
		"CREATE TABLE `_STRATA_ARCHIVE_ef34_members_fax` (id INT UNSIGNED NOT NULL PRIMARY KEY, fax VARCHAR(30) NULL)")
	got, err := fingerprint.Schemas(ctx, db, []string{plain, archived})
	if err != nil {
		t.Fatal(err)
	}
	if got[plain] != got[archived] {
		t.Errorf("fingerprint with archives %s, without %s", got[archived], got[plain])
	}
	a, err := snapshot.Take(ctx, db, plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := snapshot.Take(ctx, db, archived)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash || a.Tables != b.Tables || a.Indexes != b.Indexes || a.ForeignKeys != b.ForeignKeys {
		t.Errorf("snapshot with archives: %d tables, %d indexes, %d fks; without: %d, %d, %d", b.Tables, b.Indexes, b.ForeignKeys, a.Tables, a.Indexes, a.ForeignKeys)
	}
}
