package snapshot

import (
	"context"
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/dbtest"
)

// TestReadManyLosesOnlyAChunk checks that a chunk whose read fails (here
// its connection is lost) hands each of its databases over unread, nil,
// and costs no other chunk its databases.
func TestReadManyLosesOnlyAChunk(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	var names []string
	for range 6 {
		name := dbtest.Database(t, db, "strata_many_")
		dbtest.Exec(t, db, name, "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)")
		names = append(names, name)
	}
	want, err := ReadDefinitions(ctx, db, names[0])
	if err != nil {
		t.Fatal(err)
	}
	victim := names[3]
	cfg := dbtest.Config(t)
	cfg.MultiStatements = true
	cfg.Net, cfg.Addr = "tcp", dbtest.CutAfter(t, cfg.Net, cfg.Addr, []byte("SHOW CREATE DATABASE `"+victim+"`"))
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	multi := sql.OpenDB(connector)
	defer multi.Close()
	printing, err := PrintingDefaults(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want.printing = printing

	defer func(n int) { manyChunk = n }(manyChunk)
	manyChunk = 2
	got := map[string]*Definitions{}
	if err := ReadMany(ctx, multi, printing, names, func(name string, d *Definitions) { got[name] = d }); err != nil {
		t.Fatalf("ReadMany: %v; want a lost chunk's databases handed over unread", err)
	}
	unread := 0
	for _, name := range names {
		d, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: not handed over", name)
		case d == nil:
			unread++
		case d.Key() != want.Key():
			t.Errorf("%s: key %q, want %q", name, d.Key(), want.Key())
		}
	}
	if got[victim] != nil || unread != manyChunk {
		t.Errorf("the lost chunk's database handed over %v, %d unread; want nil, %d (its chunk)", got[victim], unread, manyChunk)
	}
}
