package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

const (
	archMembers = "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL, fax VARCHAR(30) NULL);"
	archNoFax   = "CREATE TABLE members (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL);"
	archNotes   = "CREATE TABLE notes (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id INT NOT NULL, body TEXT NULL, FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE);"
)

// archFleet sets tenants acme and beta to basic layer files (one
// members table, optionally notes) with retention and the two drops approved.
func archFleet(f *fixture, retention time.Duration, files ...string) []*spec.Tenant {
	m := map[string]string{}
	for i, s := range files {
		m["basic/0"+string(rune('1'+i))+".sql"] = s
	}
	l := layer(spec.LayerBasic, "basic", m, nil)
	var out []*spec.Tenant
	for _, n := range []string{"acme", "beta"} {
		tn := f.tenant(n, l)
		tn.ArchiveRetention = retention
		tn.Approve.Destructive = []string{"DROP COLUMN members.fax", "DROP TABLE notes"}
		out = append(out, tn)
	}
	return out
}

// liveRows returns "id|fax" rows of members and "id|member_id|body" of notes.
func liveRows(f *fixture, db string) (fax, notes []string) {
	f.t.Helper()
	read := func(q string) []string {
		rows, err := f.db.QueryContext(f.ctx, q)
		if err != nil {
			f.t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				f.t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	fax = read("SELECT CONCAT_WS('|', id, IFNULL(fax, 'NULL')) FROM `" + db + "`.members ORDER BY id")
	if f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'notes'", db) > 0 {
		notes = read("SELECT CONCAT_WS('|', id, member_id, IFNULL(body, 'NULL')) FROM `" + db + "`.notes ORDER BY id")
	}
	return fax, notes
}

// TestArchiveRestoreRoundTrip: approved drops of a column holding data and
// of a table (with a foreign key, ON DELETE CASCADE) keep the data in
// archives that the plan shows and the landlord records; the revert brings
// every value back in every tenant (compared with the live database before
// the drop), the archives are restored and gone, and the tenants are in sync.
func TestArchiveRestoreRoundTrip(t *testing.T) {
	f := newFixture(t)
	tenants := archFleet(f, 7*24*time.Hour, archMembers, archNotes)
	if res := f.apply(Options{Commit: "c1"}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	before := map[string][2][]string{}
	for i, tn := range tenants {
		for id := 1; id <= 50+i*7; id++ {
			fax := "NULL"
			if id%5 != 0 {
				fax = "'+977-" + tn.Name + "-" + string(rune('a'+id%26)) + "'"
			}
			f.exec("INSERT INTO `"+tn.Database+"`.members VALUES (?, ?, "+fax+")", id, tn.Name+"@example.org"+string(rune('0'+id%10)))
			f.exec("INSERT INTO `"+tn.Database+"`.notes (member_id, body) VALUES (?, ?)", id, "note "+tn.Name)
		}
		fax, notes := liveRows(f, tn.Database)
		before[tn.Name] = [2][]string{fax, notes}
	}

	archFleet(f, 7*24*time.Hour, archNoFax)
	res := f.apply(Options{Commit: "c2"})
	if res.ExitCode() != 0 {
		t.Fatalf("drop: exit %d %+v", res.ExitCode(), res.Tenants)
	}
	for _, tp := range res.Plan.Tenants {
		var notes []string
		for _, st := range tp.Statements {
			if st.Archive != nil {
				notes = append(notes, st.Archive.Note)
			}
		}
		all := strings.Join(notes, "\n")
		t.Logf("%s drop plan: %s", tp.Name, all)
		if !strings.Contains(all, "archives members.fax (") || !strings.Contains(all, "archives table notes (") {
			t.Errorf("%s: the plan does not show the archives: %q", tp.Name, notes)
		}
	}
	recs, err := f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d archives recorded, want 4: %+v", len(recs), recs)
	}
	for _, a := range recs {
		if a.State != landlord.ArchiveKept || a.Commit != "c2" || a.RunID == 0 || a.Rows == 0 || a.Approval == "" || a.ExpiresAt.Before(time.Now().Add(6*24*time.Hour)) {
			t.Errorf("archive %+v", a)
		}
	}
	for _, tn := range tenants {
		if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?", tn.Database, spec.ArchiveLike); n != 2 {
			t.Errorf("%s: %d archive tables, want 2", tn.Name, n)
		}
		// The archived table constrains nothing: deleting a member does not
		// cascade into the archive.
		f.exec("DELETE FROM `" + tn.Database + "`.members WHERE id = 1")
		f.exec("INSERT INTO `"+tn.Database+"`.members VALUES (1, ?)", tn.Name+"@example.org1")
	}
	if p, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || p.Summary.InSync != 2 {
		t.Fatalf("after the archiving apply, not in sync: %+v %v", p.Summary, err)
	}

	archFleet(f, 7*24*time.Hour, archMembers, archNotes)
	res = f.apply(Options{Commit: "c3"})
	if res.ExitCode() != 0 {
		t.Fatalf("revert: exit %d %+v", res.ExitCode(), res.Tenants)
	}
	for _, tp := range res.Plan.Tenants {
		var notes []string
		for _, st := range tp.Statements {
			if st.Archive != nil && st.Archive.Op == planner.ArchiveRestore && st.Archive.First {
				notes = append(notes, st.Archive.Note)
			}
		}
		t.Logf("%s restore plan: %q", tp.Name, notes)
		if len(notes) != 2 || !strings.Contains(strings.Join(notes, "\n"), " values of members.fax from the archive of run ") {
			t.Errorf("%s: restores in the plan: %q", tp.Name, notes)
		}
	}
	for _, tn := range tenants {
		fax, notes := liveRows(f, tn.Database)
		if strings.Join(fax, "\n") != strings.Join(before[tn.Name][0], "\n") {
			t.Errorf("%s: fax after the revert:\n%v\nbefore the drop:\n%v", tn.Name, fax, before[tn.Name][0])
		}
		if strings.Join(notes, "\n") != strings.Join(before[tn.Name][1], "\n") {
			t.Errorf("%s: notes after the revert differ from before the drop (%d rows, %d before)", tn.Name, len(notes), len(before[tn.Name][1]))
		}
		if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?", tn.Database, spec.ArchiveLike); n != 0 {
			t.Errorf("%s: %d archive tables left after the restore", tn.Name, n)
		}
	}
	recs, _ = f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	for _, a := range recs {
		if a.State != landlord.ArchiveRestored || a.FinishedRun == 0 {
			t.Errorf("archive after the revert: %+v", a)
		}
	}
	if p, err := f.reconciler(Options{}).Plan(f.ctx, nil); err != nil || p.Summary.InSync != 2 {
		t.Fatalf("after the restoring apply, not in sync: %+v %v", p.Summary, err)
	}
}

// TestArchivePurgedAfterRetention: an archive is kept until its retention
// passes (by the reconciler's clock), then PurgeArchives drops it and the
// landlord records it purged; retention 0 archives nothing.
func TestArchivePurgedAfterRetention(t *testing.T) {
	f := newFixture(t)
	tenants := archFleet(f, time.Hour, archMembers)
	tenants[1].ArchiveRetention = 0
	if res := f.apply(Options{Commit: "c1"}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	for _, tn := range tenants {
		f.exec("INSERT INTO `" + tn.Database + "`.members VALUES (1, 'a', 'fax-1'), (2, 'b', NULL)")
	}
	tenants = archFleet(f, time.Hour, archNoFax)
	tenants[1].ArchiveRetention = 0
	clock := time.Now()
	now := func() time.Time { return clock }
	if res := f.apply(Options{Commit: "c2", Now: now}); res.ExitCode() != 0 {
		t.Fatalf("drop: %+v", res.Tenants)
	}
	recs, err := f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	if err != nil || len(recs) != 1 || recs[0].Tenant != "acme" || recs[0].State != landlord.ArchiveKept {
		t.Fatalf("archives = %+v, %v; want acme's alone (beta's retention is 0)", recs, err)
	}
	r := f.reconciler(Options{Now: now})
	clock = clock.Add(59 * time.Minute)
	if got, err := r.PurgeArchives(f.ctx, PurgeOptions{}); err != nil || len(got) != 0 {
		t.Fatalf("purged before the retention passed: %+v %v", got, err)
	}
	clock = clock.Add(2 * time.Minute)
	// A daemon purges its shard's tenants only.
	if got, err := r.PurgeArchives(f.ctx, PurgeOptions{Tenants: []string{"beta"}}); err != nil || len(got) != 0 {
		t.Fatalf("purged another shard's archive: %+v %v", got, err)
	}
	got, err := r.PurgeArchives(f.ctx, PurgeOptions{Tenants: []string{"acme", "beta"}})
	if err != nil || len(got) != 1 || got[0].Error != "" {
		t.Fatalf("purge after the retention: %+v %v", got, err)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", tenants[0].Database, recs[0].Table); n != 0 {
		t.Errorf("archive table %s still exists after its purge", recs[0].Table)
	}
	recs, _ = f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	if len(recs) != 1 || recs[0].State != landlord.ArchivePurged || recs[0].FinishedAt.IsZero() {
		t.Fatalf("after the purge: %+v", recs)
	}
	// A revert now finds nothing to restore: the column comes back empty.
	archFleet(f, time.Hour, archMembers)
	res := f.apply(Options{Commit: "c3", Now: now})
	if res.ExitCode() != 0 {
		t.Fatalf("revert: %+v", res.Tenants)
	}
	if n := f.count("SELECT COUNT(fax) FROM `" + tenants[0].Database + "`.members"); n != 0 {
		t.Errorf("%d values restored from a purged archive", n)
	}
}

// TestArchiveInterruptedBetweenCopyAndDrop: strata stopped (SIGTERM) while
// copying a column into its archive leaves the copy and a record in state
// archiving, the column still there. The next apply (of a later commit,
// whose archive gets another name) settles it (the copy dropped, the record
// abandoned) and archives the column again: one archive table, its values
// all there, one kept record.
func TestArchiveInterruptedBetweenCopyAndDrop(t *testing.T) {
	f := newFixture(t)
	tenants := archFleet(f, 24*time.Hour, archMembers)
	tenants = tenants[:1]
	f.fleet.Tenants = f.fleet.Tenants[:1]
	if res := f.apply(Options{Commit: "c1"}); res.ExitCode() != 0 {
		t.Fatalf("provision: %+v", res.Tenants)
	}
	db := tenants[0].Database
	for id := 1; id <= 30; id++ {
		f.exec("INSERT INTO `"+db+"`.members VALUES (?, 'x', ?)", id, "fax-"+string(rune('a'+id%26)))
	}
	before, _ := liveRows(f, db)

	archFleet(f, 24*time.Hour, archNoFax)
	f.fleet.Tenants = f.fleet.Tenants[:1]
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	r := f.reconciler(Options{Commit: "c2", Listener: func(ev Event) {
		if s, ok := ev.(StatementStarted); ok && strings.HasPrefix(s.SQL, "CREATE OR REPLACE TABLE") {
			cancel() // as SIGTERM: the copy runs to its end, the drop never starts
		}
	}})
	res, err := r.Apply(ctx, nil)
	if res == nil || err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if tr := f.result(res, "acme"); tr.Outcome != OutcomeInterrupted {
		t.Fatalf("outcome %s, want interrupted: %+v", tr.Outcome, tr)
	}
	recs, _ := f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	if len(recs) != 1 || recs[0].State != landlord.ArchiveArchiving {
		t.Fatalf("after the interrupted copy: %+v", recs)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND column_name = 'fax'", db); n != 2 {
		t.Fatalf("fax in %d tables, want the live one and the copy", n)
	}

	// The next commit drops fax too, and adds a column: its archive gets
	// another name, and the copy the interrupted run left must not stay.
	archFleet(f, 24*time.Hour, archNoFax, "ALTER TABLE members ADD COLUMN phone VARCHAR(20) NULL;")
	f.fleet.Tenants = f.fleet.Tenants[:1]
	if res := f.apply(Options{Commit: "c3"}); res.ExitCode() != 0 {
		t.Fatalf("the apply after: %+v", res.Tenants)
	}
	recs, _ = f.store().Archives(f.ctx, landlord.ArchiveFilter{})
	if len(recs) != 2 || recs[0].State != landlord.ArchiveAbandoned || recs[1].State != landlord.ArchiveKept || recs[1].Commit != "c3" {
		t.Fatalf("after the next apply: %+v", recs)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?", db, spec.ArchiveLike); n != 1 {
		t.Fatalf("%d archive tables, want 1", n)
	}
	got := f.count("SELECT COUNT(*) FROM `" + db + "`.`" + recs[1].Table + "` WHERE fax IS NOT NULL")
	if got != len(before) || recs[1].Rows != int64(len(before)) {
		t.Fatalf("archive holds %d values (recorded %d rows), want %d", got, recs[1].Rows, len(before))
	}
}
