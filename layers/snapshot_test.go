package layers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/spec"
)

// TestDesiredSnapshotIsATenantsSnapshot: the snapshot taken of the
// composition in its scratch database is the one MariaDB gives for a
// database built from the same statements under another name, so a tenant
// verified at the composition's fingerprint can record it as its own
// (foreign keys within the schema carry no schema name).
func TestDesiredSnapshotIsATenantsSnapshot(t *testing.T) {
	db := dbtest.Open(t)
	ctx := context.Background()
	stmts := []string{
		membersDDL,
		"CREATE TABLE events (\n  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  member_id INT UNSIGNED NOT NULL,\n  KEY events_member (member_id),\n" +
			"  CONSTRAINT events_member_fk FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE\n) AUTO_INCREMENT = 50;\n",
		"ALTER TABLE members ADD COLUMN fax VARCHAR(30) NULL COMMENT 'custom';\n",
	}
	l := []*spec.Layer{
		dbtest.Layer(spec.LayerBasic, "basic", "basic/001.sql", uniq(t)+stmts[0]+stmts[1]),
		custom(stmts[2]),
	}
	d, err := layers.New(db, "utf8mb4", "utf8mb4_unicode_ci").ComposeLayers(ctx, l)
	require.NoError(t, err)
	require.NotNil(t, d.Snapshot)

	tenant := dbtest.Database(t, db, "snap")
	dbtest.Exec(t, db, tenant, stmts...)
	dbtest.Exec(t, db, tenant, "INSERT INTO members (name) VALUES ('a'), ('b')") // counters move; snapshots ignore them
	live, err := snapshot.Take(ctx, db, tenant)
	require.NoError(t, err)
	require.Equal(t, live.DDL, d.Snapshot.DDL)
	require.Equal(t, live.Hash, d.Snapshot.Hash)
	require.Equal(t, [3]int{2, 3, 1}, [3]int{d.Snapshot.Tables, d.Snapshot.Indexes, d.Snapshot.ForeignKeys})
	require.Contains(t, d.Snapshot.DDL, "REFERENCES `members` (`id`)")
}
