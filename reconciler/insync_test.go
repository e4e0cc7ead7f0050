package reconciler

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/spec"
)

// TestInSyncFleetPlansWithoutInspects: an applied fleet is planned from one
// fingerprint pass, with no per-tenant Atlas inspect, and any single altered
// tenant (by a changed attribute or a hand-made table) is still planned in
// full and found.
func TestInSyncFleetPlansWithoutInspects(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	events := layer(spec.LayerModule, "events", eventsSQL, nil)
	const n = 6
	for i := range n {
		if i%2 == 0 {
			f.tenant(fmt.Sprintf("t%d", i), basic)
		} else {
			f.tenant(fmt.Sprintf("t%d", i), basic, events)
		}
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
	}

	r := f.reconciler(Options{})
	p, err := r.Plan(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.InSync != n || r.FullPlans() != 0 {
		t.Fatalf("in-sync fleet: %d in sync of %d, %d full plans; want %d and 0", p.Summary.InSync, n, r.FullPlans(), n)
	}

	// The hand changes below are drift under strategy report: plan shows
	// their repairs withheld, as apply then leaves them (blocked).
	tests := []struct {
		name   string
		alter  string // %s is the database
		undo   string
		action planner.Action
		object string // an unmanaged object the plan must report, if any
	}{
		{"column type", "ALTER TABLE `%s`.members MODIFY email VARCHAR(100) NOT NULL", "ALTER TABLE `%s`.members MODIFY email VARCHAR(190) NOT NULL", planner.ActionBlocked, ""},
		{"nullability", "ALTER TABLE `%s`.settings MODIFY v TEXT NOT NULL", "ALTER TABLE `%s`.settings MODIFY v TEXT NULL", planner.ActionBlocked, ""},
		{"index dropped", "ALTER TABLE `%s`.members DROP INDEX members_email", "ALTER TABLE `%s`.members ADD UNIQUE KEY members_email (email)", planner.ActionBlocked, ""},
		{"hand-made table", "CREATE TABLE `%s`.notes (id INT PRIMARY KEY)", "DROP TABLE `%s`.notes", planner.ActionNone, "TABLE notes"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			victim := f.fleet.Tenants[i%n]
			f.exec(fmt.Sprintf(tc.alter, victim.Database))
			defer f.exec(fmt.Sprintf(tc.undo, victim.Database))
			before := r.FullPlans()
			p, err := r.Plan(f.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.FullPlans() - before; got != 1 {
				t.Errorf("%d full plans, want 1 (only the altered tenant)", got)
			}
			for _, tp := range p.Tenants {
				if tp.Name != victim.Name {
					if tp.Action != planner.ActionNone {
						t.Errorf("%s: %s, want none", tp.Name, tp.Action)
					}
					continue
				}
				if tp.Action != tc.action {
					t.Errorf("%s: %s %v, want %s", tp.Name, tp.Action, tp.Statements, tc.action)
				}
				if tc.object != "" && (len(tp.Unmanaged) != 1 || tp.Unmanaged[0].Object != tc.object) {
					t.Errorf("%s: unmanaged %+v, want %s", tp.Name, tp.Unmanaged, tc.object)
				}
			}
		})
	}
}

// TestLiveFingerprintsAsTheBulkPass: the pass's fingerprints by way of the
// databases' definitions are the bulk information_schema pass's, for
// schemas shared by several tenants, one tenant's own, one holding a view,
// a database that does not exist, and with schemas beyond fingerPerSchema
// left to the bulk pass; the definitions are read, not given up on.
func TestLiveFingerprintsAsTheBulkPass(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	events := layer(spec.LayerModule, "events", eventsSQL, nil)
	var dbs []string
	for i := range 7 {
		layers := []*spec.Layer{basic}
		if i%2 == 1 {
			layers = append(layers, events)
		}
		dbs = append(dbs, f.tenant(fmt.Sprintf("t%d", i), layers...).Database)
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
	}
	f.exec("ALTER TABLE `" + dbs[0] + "`.members ADD COLUMN fax VARCHAR(20) NULL")
	f.exec("CREATE VIEW `" + dbs[1] + "`.emails AS SELECT email FROM `" + dbs[1] + "`.members")
	dbs = append(dbs, f.prefix+"missing")
	want, err := fingerprint.Schemas(f.ctx, f.db, dbs)
	if err != nil || len(want) != 7 {
		t.Fatalf("bulk pass: %d fingerprints, %v", len(want), err)
	}
	var logged bytes.Buffer
	r := f.reconciler(Options{Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	s, err := r.server(f.fleet.Tenants[0].Server)
	if err != nil {
		t.Fatal(err)
	}
	// Schemas: t2, t4 and t6's; t3 and t5's; t0's own; t1 holds a view.
	for per, wantGrouped := range map[int]int{fingerPerSchema: 6, 1: 3} {
		defer func(n int) { fingerPerSchema = n }(fingerPerSchema)
		fingerPerSchema = per
		got, grouped, err := r.liveFingerprints(f.ctx, s, dbs, 2)
		if err != nil || !maps.Equal(got, want) || grouped != wantGrouped {
			t.Errorf("%d schemas fingerprinted one at a time: %v (%d by their schema), %v; want the bulk pass's %v, %d by their schema", per, got, grouped, err, want, wantGrouped)
		}
	}
	// As many layer sets as databases: the bulk pass alone.
	if got, grouped, err := r.liveFingerprints(f.ctx, s, dbs, len(dbs)); err != nil || !maps.Equal(got, want) || grouped != 0 {
		t.Errorf("tenants of as many layer sets: %v (%d by their schema), %v; want the bulk pass's", got, grouped, err)
	}
	if logged.Len() > 0 {
		t.Fatalf("warnings: %s", logged.String())
	}
}

// TestLiveFingerprintsSeeAChangeMeanwhile checks that a schema changed
// between the pass's read of the definitions and the fingerprint of its one
// database is not taken for its group's: the group is fingerprinted in
// bulk instead, and each database gets its own fingerprint.
func TestLiveFingerprintsSeeAChangeMeanwhile(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	var dbs []string
	for i := range 3 {
		dbs = append(dbs, f.tenant(fmt.Sprintf("t%d", i), basic).Database)
	}
	if res := f.apply(Options{}); res.ExitCode() != 0 {
		t.Fatalf("apply: exit %d: %+v", res.ExitCode(), res.Tenants)
	}
	r := f.reconciler(Options{})
	direct, err := r.server(f.fleet.Tenants[0].Server)
	if err != nil {
		t.Fatal(err)
	}
	// The definitions are read directly, the fingerprints through a proxy
	// that changes the schema just before the one database's is read.
	type change struct {
		db  string
		err error
	}
	changes := make(chan change, len(dbs)) // from the proxy's goroutine
	cfg := dbtest.Config(t)
	cfg.Net, cfg.Addr = "tcp", dbtest.Before(t, cfg.Net, cfg.Addr, []byte("information_schema.COLUMNS"), func(query []byte) {
		for _, db := range dbs {
			if bytes.Contains(query, []byte("'"+db+"'")) {
				_, err := f.db.ExecContext(f.ctx, "ALTER TABLE `"+db+"`.members ADD COLUMN fax VARCHAR(20) NULL")
				changes <- change{db, err}
			}
		}
	})
	s, err := openServer("proxied", cfg.FormatDSN(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.db.Close()
	s.multi.Close()
	s.multi = direct.multi

	got, grouped, err := r.liveFingerprints(f.ctx, s, dbs, 1)
	var c change
	select {
	case c = <-changes:
	default:
		t.Fatal("the pass fingerprinted no database through the proxy")
	}
	changed := c.db
	want, wantErr := fingerprint.Schemas(f.ctx, f.db, dbs)
	if err != nil || wantErr != nil || c.err != nil {
		t.Fatalf("pass: %v; bulk: %v; the change meanwhile to %s: %v", err, wantErr, changed, c.err)
	}
	if !maps.Equal(got, want) || grouped != 0 || len(want) != 3 {
		t.Errorf("fingerprints %v (%d by their schema); want the bulk pass's %v, none by their schema", got, grouped, want)
	}
	for _, db := range dbs {
		if db != changed && want[db] == want[changed] {
			t.Fatalf("%s and the changed %s have one fingerprint", db, changed)
		}
	}
}
