package drift_test

import (
	"reflect"
	"testing"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"

	"github.com/stratadb/strata/planner/drift"
)

// snapshot builds a fresh hand-made tenant schema: members, groups and
// memberships with indexes, foreign keys, a check and table options.
func snapshot() *schema.Schema {
	s := schema.New("tenant_a").SetCharset("utf8mb4").SetCollation("utf8mb4_unicode_ci")
	mid := schema.NewUintColumn("id", "int")
	email := schema.NewStringColumn("email", "varchar", schema.StringSize(191))
	name := schema.NewNullStringColumn("name", "varchar", schema.StringSize(100))
	members := schema.NewTable("members").
		AddColumns(mid, email, name).
		SetPrimaryKey(schema.NewPrimaryKey(mid)).
		SetComment("people").
		AddAttrs(&mysql.Engine{V: "InnoDB", Default: true}, &mysql.AutoIncrement{V: 1})
	members.AddIndexes(schema.NewUniqueIndex("uq_email").AddColumns(email), schema.NewIndex("idx_name").AddColumns(name))

	gid := schema.NewUintColumn("id", "int")
	groups := schema.NewTable("groups").
		AddColumns(gid, schema.NewStringColumn("title", "varchar", schema.StringSize(100))).
		SetPrimaryKey(schema.NewPrimaryKey(gid))

	msid := schema.NewUintColumn("id", "int")
	msMember := schema.NewUintColumn("member_id", "int")
	msGroup := schema.NewUintColumn("group_id", "int")
	amount := schema.NewDecimalColumn("amount", "decimal", schema.DecimalPrecision(10), schema.DecimalScale(2))
	ms := schema.NewTable("memberships").
		AddColumns(msid, msMember, msGroup, amount).
		SetPrimaryKey(schema.NewPrimaryKey(msid)).
		AddChecks(schema.NewCheck().SetName("chk_amount").SetExpr("(`amount` >= 0)"))
	ms.AddIndexes(schema.NewIndex("idx_group").AddColumns(msGroup))
	ms.AddForeignKeys(
		schema.NewForeignKey("fk_member").AddColumns(msMember).SetRefTable(members).AddRefColumns(mid).SetOnDelete(schema.Cascade),
		schema.NewForeignKey("fk_group").AddColumns(msGroup).SetRefTable(groups).AddRefColumns(gid).SetOnDelete(schema.Restrict),
	)
	return s.AddTables(members, groups, ms)
}

func table(s *schema.Schema, name string) *schema.Table {
	t, ok := s.Table(name)
	if !ok {
		panic("test schema has no table " + name)
	}
	return t
}

func column(t *schema.Table, name string) *schema.Column {
	c, ok := t.Column(name)
	if !ok {
		panic("test table has no column " + name)
	}
	return c
}

func addColumn(s *schema.Schema, tbl, col string) {
	table(s, tbl).AddColumns(schema.NewNullStringColumn(col, "varchar", schema.StringSize(30)))
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name     string
		live     func(s *schema.Schema) // the hand-made change to the live schema
		want     []string
		score    int
		severity drift.Severity
	}{
		{"no change", func(*schema.Schema) {}, []string{}, 0, drift.None},
		{"auto_increment counter only", func(s *schema.Schema) {
			schema.ReplaceOrAppend(&table(s, "members").Attrs, &mysql.AutoIncrement{V: 5000})
		}, []string{}, 0, drift.None},
		{"column added", func(s *schema.Schema) { addColumn(s, "members", "fax") },
			[]string{"column members.fax added"}, 5, drift.Medium},
		{"column removed", func(s *schema.Schema) {
			m := table(s, "members")
			m.Indexes = m.Indexes[:1] // idx_name goes with its column
			m.Columns = m.Columns[:2]
		}, []string{"column members.name removed", "index members.idx_name removed"}, 7, drift.Medium},
		{"column type modified", func(s *schema.Schema) {
			column(table(s, "members"), "email").Type.Type = &schema.StringType{T: "varchar", Size: 255}
		}, []string{"column members.email modified (type)"}, 3, drift.Low},
		{"column nullability modified", func(s *schema.Schema) {
			column(table(s, "members"), "email").SetNull(true)
		}, []string{"column members.email modified (null)"}, 3, drift.Low},
		{"column default modified", func(s *schema.Schema) {
			column(table(s, "members"), "name").SetDefault(&schema.Literal{V: "'anon'"})
		}, []string{"column members.name modified (default)"}, 3, drift.Low},
		{"index added", func(s *schema.Schema) {
			m := table(s, "members")
			m.AddIndexes(schema.NewIndex("idx_email_name").AddColumns(column(m, "email"), column(m, "name")))
		}, []string{"index members.idx_email_name added"}, 2, drift.Low},
		{"index removed", func(s *schema.Schema) {
			m := table(s, "members")
			m.Indexes = m.Indexes[:1]
		}, []string{"index members.idx_name removed"}, 2, drift.Low},
		{"index uniqueness modified", func(s *schema.Schema) {
			table(s, "members").Indexes[1].Unique = true
		}, []string{"index members.idx_name modified (unique)"}, 2, drift.Low},
		{"table added", func(s *schema.Schema) {
			id := schema.NewIntColumn("id", "int")
			s.AddTables(schema.NewTable("notes").AddColumns(id).SetPrimaryKey(schema.NewPrimaryKey(id)))
		}, []string{"table notes added"}, 10, drift.High},
		{"table removed", func(s *schema.Schema) {
			s.Tables = s.Tables[:2] // memberships
		}, []string{"table memberships removed"}, 10, drift.High},
		{"two columns added", func(s *schema.Schema) {
			addColumn(s, "members", "fax")
			addColumn(s, "groups", "color")
		}, []string{"column members.fax added", "column groups.color added"}, 10, drift.High},
		{"table and two columns added", func(s *schema.Schema) {
			addColumn(s, "members", "fax")
			addColumn(s, "members", "pager")
			id := schema.NewIntColumn("id", "int")
			s.AddTables(schema.NewTable("notes").AddColumns(id).SetPrimaryKey(schema.NewPrimaryKey(id)))
		}, []string{"column members.fax added", "column members.pager added", "table notes added"}, 20, drift.Critical},
		{"foreign key removed", func(s *schema.Schema) {
			ms := table(s, "memberships")
			ms.ForeignKeys = ms.ForeignKeys[:1]
		}, []string{"foreign key memberships.fk_group removed"}, 3, drift.Low},
		{"foreign key added", func(s *schema.Schema) {
			ms := table(s, "memberships")
			ms.AddForeignKeys(schema.NewForeignKey("fk_self").AddColumns(column(ms, "group_id")).
				SetRefTable(ms).AddRefColumns(column(ms, "id")))
		}, []string{"foreign key memberships.fk_self added"}, 3, drift.Low},
		{"foreign key on delete modified", func(s *schema.Schema) {
			table(s, "memberships").ForeignKeys[0].OnDelete = schema.SetNull
		}, []string{"foreign key memberships.fk_member modified (on delete)"}, 3, drift.Low},
		{"check modified", func(s *schema.Schema) {
			ms := table(s, "memberships")
			ms.Attrs = []schema.Attr{schema.NewCheck().SetName("chk_amount").SetExpr("(`amount` > 0)")}
		}, []string{"check memberships.chk_amount modified"}, 2, drift.Low},
		{"check removed", func(s *schema.Schema) {
			table(s, "memberships").Attrs = nil
		}, []string{"check memberships.chk_amount removed"}, 2, drift.Low},
		{"table comment modified", func(s *schema.Schema) {
			table(s, "members").SetComment("persons")
		}, []string{"comment members modified"}, 1, drift.Low},
		{"engine modified", func(s *schema.Schema) {
			schema.ReplaceOrAppend(&table(s, "members").Attrs, &mysql.Engine{V: "MyISAM"})
		}, []string{"table option members.engine modified"}, 3, drift.Low},
		{"schema collation modified", func(s *schema.Schema) {
			s.SetCollation("utf8mb4_bin")
		}, []string{"schema option collation modified"}, 3, drift.Low},
		{"column added beside an auto_increment move", func(s *schema.Schema) {
			schema.ReplaceOrAppend(&table(s, "members").Attrs, &mysql.AutoIncrement{V: 42})
			addColumn(s, "members", "fax")
		}, []string{"column members.fax added"}, 5, drift.Medium},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from, to := snapshot(), snapshot()
			c.live(to)
			r, err := drift.Compare(from, to)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Strings(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("differences = %q, want %q", got, c.want)
			}
			if r.Score != c.score || r.Severity != c.severity {
				t.Errorf("score %d %s, want %d %s", r.Score, r.Severity, c.score, c.severity)
			}
			if r.Drifted() != (len(c.want) > 0) {
				t.Errorf("Drifted() = %v with %d differences", r.Drifted(), len(c.want))
			}
			if (len(r.Changes) == 0) != (len(c.want) == 0) {
				t.Errorf("Changes = %d, want some exactly when there are differences", len(r.Changes))
			}
		})
	}
}

func TestSeverityOf(t *testing.T) {
	cases := []struct {
		score int
		want  drift.Severity
	}{
		{0, drift.None}, {1, drift.Low}, {4, drift.Low}, {5, drift.Medium}, {9, drift.Medium},
		{10, drift.High}, {19, drift.High}, {20, drift.Critical}, {55, drift.Critical},
	}
	for _, c := range cases {
		if got := drift.SeverityOf(c.score); got != c.want {
			t.Errorf("SeverityOf(%d) = %s, want %s", c.score, got, c.want)
		}
	}
}

func TestReportCount(t *testing.T) {
	from, to := snapshot(), snapshot()
	addColumn(to, "members", "fax")
	addColumn(to, "groups", "color")
	table(to, "members").Indexes = table(to, "members").Indexes[:1]
	r, err := drift.Compare(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Count(drift.Column, drift.Added); n != 2 {
		t.Errorf("columns added = %d, want 2", n)
	}
	if n := r.Count(drift.Index, drift.Removed); n != 1 {
		t.Errorf("indexes removed = %d, want 1", n)
	}
	if n := r.Count(drift.Table, drift.Added); n != 0 {
		t.Errorf("tables added = %d, want 0", n)
	}
}

// Atlas's SchemaDiff rewrites its inputs (it drops the index MySQL made for
// a foreign key from "from" when "to" lacks it, and adds a default charset
// to "to"); Compare must leave the caller's schemas as they were, and may
// compare a snapshot recorded under another schema name.
func TestCompareLeavesInputsAlone(t *testing.T) {
	mutate := func() (*schema.Schema, *schema.Schema) {
		from, to := snapshot(), snapshot()
		to.Name = "tenant_b"
		ms := table(to, "memberships")
		ms.Indexes = nil // live lost idx_group, which backs fk_group
		ms.AddAttrs(&schema.Collation{V: "utf8mb4_bin"})
		table(from, "memberships").AddAttrs(&schema.Charset{V: "utf8mb4"}, &schema.Collation{V: "utf8mb4_unicode_ci"})
		return from, to
	}
	// Show that the differ really does rewrite inputs, so this test means something.
	rawFrom, rawTo := mutate()
	if _, err := mysql.DefaultDiff.SchemaDiff(rawFrom, schemaNamed(rawTo, rawFrom.Name)); err != nil {
		t.Fatal(err)
	}
	pristineFrom, _ := mutate()
	if reflect.DeepEqual(rawFrom, pristineFrom) {
		t.Fatal("SchemaDiff no longer rewrites its inputs; this test needs a new trigger")
	}

	from, to := mutate()
	if _, err := drift.Compare(from, to); err != nil {
		t.Fatal(err)
	}
	wantFrom, wantTo := mutate()
	if !reflect.DeepEqual(from, wantFrom) {
		t.Error("Compare changed the snapshot schema")
	}
	if !reflect.DeepEqual(to, wantTo) {
		t.Error("Compare changed the live schema")
	}
}

// schemaNamed renames s in place (SchemaDiff refuses different names).
func schemaNamed(s *schema.Schema, name string) *schema.Schema {
	s.Name = name
	return s
}

func TestCompareNil(t *testing.T) {
	if _, err := drift.Compare(nil, snapshot()); err == nil {
		t.Error("Compare(nil, s) returned no error")
	}
}
