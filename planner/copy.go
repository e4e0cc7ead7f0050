package planner

import (
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// CopySchema returns a copy of s named name that Atlas's SchemaDiff may
// mutate without touching s: tables, columns, indexes, foreign keys and
// every attribute slice and column type are new, and references between them
// point into the copy. Attribute values are shared: Atlas replaces them in
// their slices but never changes them in place (it does change column types:
// typeChanged normalizes IntegerType.T).
func CopySchema(s *schema.Schema, name string) *schema.Schema {
	c := &schema.Schema{
		Name:    name,
		Attrs:   append([]schema.Attr(nil), s.Attrs...),
		Objects: append([]schema.Object(nil), s.Objects...),
	}
	cp := schemaCopy{
		tables:  make(map[*schema.Table]*schema.Table, len(s.Tables)),
		columns: make(map[*schema.Column]*schema.Column),
		indexes: make(map[*schema.Index]*schema.Index),
	}
	for _, t := range s.Tables {
		c.Tables = append(c.Tables, cp.table(c, t))
	}
	// Keys second: they point at the copy's columns and tables.
	for _, t := range s.Tables {
		nt := cp.tables[t]
		nt.PrimaryKey = cp.index(nt, t.PrimaryKey)
		for _, idx := range t.Indexes {
			nt.Indexes = append(nt.Indexes, cp.index(nt, idx))
		}
		for _, fk := range t.ForeignKeys {
			nt.ForeignKeys = append(nt.ForeignKeys, cp.foreignKey(nt, fk))
		}
	}
	return c
}

// schemaCopy maps each table, column and index of a schema to its copy.
type schemaCopy struct {
	tables  map[*schema.Table]*schema.Table
	columns map[*schema.Column]*schema.Column
	indexes map[*schema.Index]*schema.Index
}

// table copies t and its columns into schema c, without its keys.
func (cp schemaCopy) table(c *schema.Schema, t *schema.Table) *schema.Table {
	nt := &schema.Table{
		Name:   t.Name,
		Schema: c,
		Attrs:  append([]schema.Attr(nil), t.Attrs...),
		Deps:   append([]schema.Object(nil), t.Deps...),
		Refs:   append([]schema.Object(nil), t.Refs...),
	}
	for _, col := range t.Columns {
		nc := &schema.Column{
			Name:    col.Name,
			Default: col.Default,
			Attrs:   append([]schema.Attr(nil), col.Attrs...),
		}
		if col.Type != nil {
			nc.Type = &schema.ColumnType{Type: copyType(col.Type.Type), Raw: col.Type.Raw, Null: col.Type.Null}
		}
		cp.columns[col] = nc
		nt.Columns = append(nt.Columns, nc)
	}
	cp.tables[t] = nt
	return nt
}

// index copies idx of table nt, once however often it is reached, and
// links it from its columns.
func (cp schemaCopy) index(nt *schema.Table, idx *schema.Index) *schema.Index {
	if idx == nil {
		return nil
	}
	if ni, ok := cp.indexes[idx]; ok {
		return ni
	}
	ni := &schema.Index{Name: idx.Name, Unique: idx.Unique, Table: nt, Attrs: append([]schema.Attr(nil), idx.Attrs...)}
	for _, p := range idx.Parts {
		np := &schema.IndexPart{SeqNo: p.SeqNo, Desc: p.Desc, X: p.X, Attrs: append([]schema.Attr(nil), p.Attrs...)}
		if p.C != nil {
			np.C = cp.columns[p.C]
			np.C.Indexes = append(np.C.Indexes, ni)
		}
		ni.Parts = append(ni.Parts, np)
	}
	cp.indexes[idx] = ni
	return ni
}

// foreignKey copies fk of table nt and links it from its columns; a
// referenced table or column of another schema stays the original.
func (cp schemaCopy) foreignKey(nt *schema.Table, fk *schema.ForeignKey) *schema.ForeignKey {
	nf := &schema.ForeignKey{
		Symbol:   fk.Symbol,
		Table:    nt,
		RefTable: cp.tables[fk.RefTable],
		OnUpdate: fk.OnUpdate,
		OnDelete: fk.OnDelete,
		Attrs:    append([]schema.Attr(nil), fk.Attrs...),
	}
	if nf.RefTable == nil {
		nf.RefTable = fk.RefTable // a table of another schema
	}
	for _, col := range fk.Columns {
		nc := cp.columns[col]
		nc.ForeignKeys = append(nc.ForeignKeys, nf)
		nf.Columns = append(nf.Columns, nc)
	}
	for _, col := range fk.RefColumns {
		if nc, ok := cp.columns[col]; ok {
			nf.RefColumns = append(nf.RefColumns, nc)
		} else {
			nf.RefColumns = append(nf.RefColumns, col)
		}
	}
	return nf
}

// copyType returns a copy of a column type Atlas may change in place.
func copyType(t schema.Type) schema.Type {
	switch t := t.(type) {
	case *schema.IntegerType:
		c := *t
		c.Attrs = append([]schema.Attr(nil), t.Attrs...)
		return &c
	case *schema.StringType:
		c := *t
		c.Attrs = append([]schema.Attr(nil), t.Attrs...)
		return &c
	case *schema.BinaryType:
		c := *t
		return &c
	case *schema.DecimalType:
		c := *t
		return &c
	case *schema.FloatType:
		c := *t
		return &c
	case *schema.EnumType:
		c := *t
		c.Values = append([]string(nil), t.Values...)
		c.Attrs = append([]schema.Attr(nil), t.Attrs...)
		return &c
	case *schema.TimeType:
		c := *t
		c.Attrs = append([]schema.Attr(nil), t.Attrs...)
		return &c
	case *schema.BoolType:
		c := *t
		return &c
	case *schema.JSONType:
		c := *t
		return &c
	case *schema.SpatialType:
		c := *t
		return &c
	case *schema.UUIDType:
		c := *t
		return &c
	case *mysql.BitType:
		c := *t
		return &c
	case *mysql.SetType:
		c := *t
		c.Values = append([]string(nil), t.Values...)
		return &c
	case *mysql.NetworkType:
		c := *t
		return &c
	}
	return t
}
