package planner

import (
	"slices"
	"testing"

	"ariga.io/atlas/sql/schema"
)

// TestObjectsOf: a statement's objects come from the diff engine's change,
// and survive the landlord's text form.
func TestObjectsOf(t *testing.T) {
	members := schema.NewTable("members").AddColumns(schema.NewIntColumn("id", "int"))
	email := schema.NewStringColumn("email", "varchar")
	events := schema.NewTable("events").AddColumns(schema.NewIntColumn("member_id", "int"))
	events.AddForeignKeys(schema.NewForeignKey("events_member_fk").AddColumns(events.Columns[0]).SetRefTable(members))
	tests := []struct {
		name   string
		change schema.Change
		want   []string
	}{
		{"create with a foreign key", &schema.AddTable{T: events}, []string{"table events", "references members"}},
		{"drop table", &schema.DropTable{T: members}, []string{"table members"}},
		{"alter", &schema.ModifyTable{T: members, Changes: []schema.Change{
			&schema.AddColumn{C: email},
			&schema.DropIndex{I: schema.NewIndex("members_email")},
			&schema.RenameColumn{From: schema.NewIntColumn("nick", "int"), To: schema.NewIntColumn("alias", "int")},
			&schema.ModifyAttr{},
		}}, []string{"column members.email", "index members.members_email", "column members.nick", "column members.alias", "table attribute members"}},
	}
	for _, tt := range tests {
		var got []string
		for _, o := range objectsOf(tt.change) {
			got = append(got, o.String())
			if back, ok := ParseObject(o.String()); !ok || back != o {
				t.Errorf("%s: ParseObject(%q) = %+v %v, want %+v", tt.name, o.String(), back, ok, o)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: objects %q, want %q", tt.name, got, tt.want)
		}
	}
}
