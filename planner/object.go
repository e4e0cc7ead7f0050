package planner

import (
	"strings"

	"ariga.io/atlas/sql/schema"
)

// ObjectKind is the kind of schema object a statement changes.
type ObjectKind string

// Object kinds, named as strata drift names them (planner/drift).
const (
	ObjectTable      ObjectKind = "table"
	ObjectColumn     ObjectKind = "column"
	ObjectIndex      ObjectKind = "index"
	ObjectForeignKey ObjectKind = "foreign key"
	ObjectCheck      ObjectKind = "check"
	// ObjectTableAttr is a table-wide attribute: its primary key, options or comment.
	ObjectTableAttr ObjectKind = "table attribute"
	// ObjectReference is a table a foreign key of the statement refers to:
	// not changed, but the statement fails without it.
	ObjectReference ObjectKind = "references"
)

// Object is one schema object a planned statement changes, taken from the
// diff engine's change (never read back from the SQL text).
type Object struct {
	Kind  ObjectKind `json:"kind"`
	Table string     `json:"table"`
	Name  string     `json:"name,omitempty"` // the column, index, key or check; "" for the table itself
}

// String reads like "column users.name" or "table users"; ParseObject reads it back.
func (o Object) String() string {
	if o.Name == "" {
		return string(o.Kind) + " " + o.Table
	}
	return string(o.Kind) + " " + o.Table + "." + o.Name
}

// ParseObject reads an Object written by Object.String.
func ParseObject(s string) (Object, bool) {
	for _, k := range []ObjectKind{ObjectTableAttr, ObjectForeignKey, ObjectTable, ObjectColumn, ObjectIndex, ObjectCheck, ObjectReference} {
		rest, ok := strings.CutPrefix(s, string(k)+" ")
		if !ok || rest == "" {
			continue
		}
		if k == ObjectTable || k == ObjectTableAttr || k == ObjectReference {
			return Object{Kind: k, Table: rest}, true
		}
		// Table names are validated identifiers; the first dot ends the table.
		table, name, ok := strings.Cut(rest, ".")
		if !ok {
			return Object{}, false
		}
		return Object{Kind: k, Table: table, Name: name}, true
	}
	return Object{}, false
}

// objectsOf returns the objects change c makes, creates or drops.
func objectsOf(c schema.Change) []Object {
	switch c := c.(type) {
	case *schema.AddTable:
		out := []Object{{Kind: ObjectTable, Table: c.T.Name}}
		for _, fk := range c.T.ForeignKeys {
			out = append(out, reference(c.T.Name, fk))
		}
		return out
	case *schema.DropTable:
		return []Object{{Kind: ObjectTable, Table: c.T.Name}}
	case *schema.RenameTable:
		return []Object{{Kind: ObjectTable, Table: c.From.Name}, {Kind: ObjectTable, Table: c.To.Name}}
	case *schema.ModifyTable:
		var out []Object
		for _, sub := range c.Changes {
			out = append(out, tableObject(c.T.Name, sub))
			switch r := sub.(type) {
			case *schema.RenameColumn: // a rename changes both names
				out = append(out, Object{Kind: ObjectColumn, Table: c.T.Name, Name: r.To.Name})
			case *schema.RenameIndex:
				out = append(out, Object{Kind: ObjectIndex, Table: c.T.Name, Name: r.To.Name})
			case *schema.AddForeignKey:
				out = append(out, reference(c.T.Name, r.F))
			case *schema.ModifyForeignKey:
				out = append(out, reference(c.T.Name, r.To))
			}
		}
		return out
	}
	return nil
}

// tableObject returns the object of change c inside ALTER TABLE table.
func tableObject(table string, c schema.Change) Object {
	o := Object{Kind: ObjectTableAttr, Table: table}
	switch c := c.(type) {
	case *schema.AddColumn:
		o.Kind, o.Name = ObjectColumn, c.C.Name
	case *schema.DropColumn:
		o.Kind, o.Name = ObjectColumn, c.C.Name
	case *schema.ModifyColumn:
		o.Kind, o.Name = ObjectColumn, c.To.Name
	case *schema.RenameColumn:
		o.Kind, o.Name = ObjectColumn, c.From.Name
	case *schema.AddIndex:
		o.Kind, o.Name = ObjectIndex, c.I.Name
	case *schema.DropIndex:
		o.Kind, o.Name = ObjectIndex, c.I.Name
	case *schema.ModifyIndex:
		o.Kind, o.Name = ObjectIndex, c.To.Name
	case *schema.RenameIndex:
		o.Kind, o.Name = ObjectIndex, c.From.Name
	case *schema.AddForeignKey:
		o.Kind, o.Name = ObjectForeignKey, c.F.Symbol
	case *schema.DropForeignKey:
		o.Kind, o.Name = ObjectForeignKey, c.F.Symbol
	case *schema.ModifyForeignKey:
		o.Kind, o.Name = ObjectForeignKey, c.To.Symbol
	case *schema.AddCheck:
		o.Kind, o.Name = ObjectCheck, c.C.Name
	case *schema.DropCheck:
		o.Kind, o.Name = ObjectCheck, c.C.Name
	case *schema.ModifyCheck:
		o.Kind, o.Name = ObjectCheck, c.To.Name
	}
	return o
}

// reference is the table fk of table refers to (table itself for a self-reference).
func reference(table string, fk *schema.ForeignKey) Object {
	if fk.RefTable == nil {
		return Object{Kind: ObjectReference, Table: table}
	}
	return Object{Kind: ObjectReference, Table: fk.RefTable.Name}
}
