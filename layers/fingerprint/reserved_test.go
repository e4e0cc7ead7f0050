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
