package planner

import (
	"testing"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/spec"
)

func col(t schema.Type, attrs ...schema.Attr) *schema.Column {
	return &schema.Column{Name: "c", Type: &schema.ColumnType{Type: t}, Attrs: attrs}
}

func ptr(i int) *int { return &i }

func TestNarrows(t *testing.T) {
	varchar := func(n int) schema.Type { return &schema.StringType{T: mysql.TypeVarchar, Size: n} }
	integer := func(t string, unsigned bool) schema.Type { return &schema.IntegerType{T: t, Unsigned: unsigned} }
	tests := []struct {
		name     string
		from, to *schema.Column
		want     bool
	}{
		{"longer varchar", col(varchar(50)), col(varchar(100)), false},
		{"shorter varchar", col(varchar(100)), col(varchar(50)), true},
		{"varchar to text", col(varchar(255)), col(&schema.StringType{T: mysql.TypeText}), false},
		{"text to varchar", col(&schema.StringType{T: mysql.TypeText}), col(varchar(255)), true},
		{"varchar to int", col(varchar(20)), col(integer(mysql.TypeInt, false)), true},
		{"smallint to bigint", col(integer(mysql.TypeSmallInt, false)), col(integer(mysql.TypeBigInt, false)), false},
		{"bigint to int", col(integer(mysql.TypeBigInt, false)), col(integer(mysql.TypeInt, false)), true},
		{"signed to unsigned", col(integer(mysql.TypeInt, false)), col(integer(mysql.TypeInt, true)), true},
		{"unsigned int to signed bigint", col(integer(mysql.TypeInt, true)), col(integer(mysql.TypeBigInt, false)), false},
		{"unsigned int to signed int", col(integer(mysql.TypeInt, true)), col(integer(mysql.TypeInt, false)), true},
		{"int to varchar(30)", col(integer(mysql.TypeInt, false)), col(varchar(30)), false},
		{"int to varchar(5)", col(integer(mysql.TypeInt, false)), col(varchar(5)), true},
		{"bool to int", col(&schema.BoolType{T: mysql.TypeBool}), col(integer(mysql.TypeInt, false)), false},
		{"decimal wider", col(&schema.DecimalType{T: "decimal", Precision: 10, Scale: 2}), col(&schema.DecimalType{T: "decimal", Precision: 12, Scale: 2}), false},
		{"decimal fewer decimals", col(&schema.DecimalType{T: "decimal", Precision: 10, Scale: 2}), col(&schema.DecimalType{T: "decimal", Precision: 10, Scale: 1}), true},
		{"decimal fewer integer digits", col(&schema.DecimalType{T: "decimal", Precision: 10, Scale: 2}), col(&schema.DecimalType{T: "decimal", Precision: 10, Scale: 4}), true},
		{"double to float", col(&schema.FloatType{T: mysql.TypeDouble}), col(&schema.FloatType{T: mysql.TypeFloat}), true},
		{"enum value added", col(&schema.EnumType{Values: []string{"a", "b"}}), col(&schema.EnumType{Values: []string{"a", "b", "c"}}), false},
		{"enum value dropped", col(&schema.EnumType{Values: []string{"a", "b"}}), col(&schema.EnumType{Values: []string{"a"}}), true},
		{"set value dropped", col(&mysql.SetType{Values: []string{"a", "b"}}), col(&mysql.SetType{Values: []string{"b"}}), true},
		{"date to datetime", col(&schema.TimeType{T: mysql.TypeDate}), col(&schema.TimeType{T: mysql.TypeDateTime}), false},
		{"datetime to date", col(&schema.TimeType{T: mysql.TypeDateTime}), col(&schema.TimeType{T: mysql.TypeDate}), true},
		{"datetime(6) to datetime", col(&schema.TimeType{T: mysql.TypeDateTime, Precision: ptr(6)}), col(&schema.TimeType{T: mysql.TypeDateTime}), true},
		{"shorter varbinary", col(&schema.BinaryType{T: mysql.TypeVarBinary, Size: ptr(64)}), col(&schema.BinaryType{T: mysql.TypeVarBinary, Size: ptr(16)}), true},
		{"blob to longblob", col(&schema.BinaryType{T: mysql.TypeBlob}), col(&schema.BinaryType{T: mysql.TypeLongBlob}), false},
		{"utf8mb4 to latin1", col(varchar(10), &schema.Charset{V: "utf8mb4"}), col(varchar(10), &schema.Charset{V: "latin1"}), true},
		{"collation only", col(varchar(10), &schema.Charset{V: "utf8mb4"}, &schema.Collation{V: "utf8mb4_bin"}), col(varchar(10), &schema.Charset{V: "utf8mb4"}), false},
		{"json to varchar", col(&schema.JSONType{T: "json"}), col(varchar(100)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, narrows(tt.from, tt.to))
		})
	}
}

func TestClassifyModify(t *testing.T) {
	tbl := &schema.Table{Name: "members"}
	c := &schema.Column{Name: "fax", Type: &schema.ColumnType{Type: &schema.StringType{T: mysql.TypeVarchar, Size: 30}}}
	short := &schema.Column{Name: "fax", Type: &schema.ColumnType{Type: &schema.StringType{T: mysql.TypeVarchar, Size: 10}}}
	tests := []struct {
		name   string
		change schema.Change
		want   class
	}{
		{"drop column", &schema.DropColumn{C: c}, class{Destructive, "DROP COLUMN members.fax"}},
		{"drop index", &schema.DropIndex{I: &schema.Index{Name: "fax_idx", Table: tbl}}, class{Destructive, "DROP INDEX members.fax_idx"}},
		{"drop foreign key", &schema.DropForeignKey{F: &schema.ForeignKey{Symbol: "fk_owner", Table: tbl}}, class{Destructive, "DROP FOREIGN KEY members.fk_owner"}},
		{"drop check", &schema.DropCheck{C: &schema.Check{Name: "ck_age"}}, class{Destructive, "DROP CHECK members.ck_age"}},
		{"drop primary key", &schema.DropPrimaryKey{P: &schema.Index{Table: tbl}}, class{Destructive, "DROP PRIMARY KEY members"}},
		{"narrowing modify", &schema.ModifyColumn{From: c, To: short, Change: schema.ChangeType}, class{Destructive, "MODIFY COLUMN members.fax"}},
		{"widening modify", &schema.ModifyColumn{From: short, To: c, Change: schema.ChangeType}, class{kind: Additive}},
		{"add column", &schema.AddColumn{C: c}, class{kind: Additive}},
		{"new primary key", &schema.ModifyPrimaryKey{}, class{kind: DataDependent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, classifyModify("members", tt.change))
		})
	}
	require.Equal(t, class{Destructive, "DROP TABLE notes"}, classifyTable(&schema.DropTable{T: &schema.Table{Name: "notes"}}))
}

func TestApproved(t *testing.T) {
	approve := spec.Approve{Destructive: []string{"drop  column members.fax", "DROP TABLE Notes"}}
	tests := []struct {
		approval string
		want     bool
	}{
		{"DROP COLUMN members.fax", true},    // keywords compare case-insensitively, spaces collapse
		{"DROP COLUMN members.phone", false}, // another column
		{"DROP COLUMN Members.fax", false},   // table names are case-sensitive
		{"DROP TABLE Notes", true},           // exact
		{"DROP TABLE notes", false},          // not the approved table
		{"DROP INDEX members.fax", false},    // another kind of change
		{"", false},                          // nothing to approve
	}
	for _, tt := range tests {
		t.Run(tt.approval, func(t *testing.T) {
			require.Equal(t, tt.want, Approved(approve, tt.approval))
		})
	}
}
