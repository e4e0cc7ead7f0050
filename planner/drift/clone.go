package drift

import "ariga.io/atlas/sql/schema"

// clone deep-copies the parts of s that Atlas's SchemaDiff reads or
// rewrites (tables, columns, indexes, keys, attribute slices), so a diff
// never changes the caller's schemas: the differ replaces Table.Indexes and
// appends to or replaces entries in attribute slices. Attribute values
// themselves are shared; the differ only swaps them, never edits them.
// References to tables in other schemas are kept as they are.
func clone(s *schema.Schema, name string) *schema.Schema {
	c := &schema.Schema{
		Name:    name,
		Realm:   s.Realm,
		Views:   append([]*schema.View(nil), s.Views...), // strata rejects views; kept for completeness
		Attrs:   append([]schema.Attr(nil), s.Attrs...),
		Objects: append([]schema.Object(nil), s.Objects...),
	}
	tables := make(map[*schema.Table]*schema.Table, len(s.Tables))
	columns := make(map[*schema.Column]*schema.Column)
	for _, t := range s.Tables {
		ct := &schema.Table{
			Name:   t.Name,
			Schema: c,
			Attrs:  append([]schema.Attr(nil), t.Attrs...),
			Deps:   append([]schema.Object(nil), t.Deps...),
			Refs:   append([]schema.Object(nil), t.Refs...),
		}
		for _, col := range t.Columns {
			cc := &schema.Column{
				Name:    col.Name,
				Default: col.Default,
				Attrs:   append([]schema.Attr(nil), col.Attrs...),
			}
			if col.Type != nil {
				typ := *col.Type
				cc.Type = &typ
			}
			columns[col] = cc
			ct.Columns = append(ct.Columns, cc)
		}
		tables[t] = ct
		c.Tables = append(c.Tables, ct)
	}
	// col maps a column to its copy; a column of a table in another schema
	// is kept, and its back references are never touched.
	col := func(x *schema.Column) (*schema.Column, bool) {
		if cc, ok := columns[x]; ok {
			return cc, true
		}
		return x, false
	}
	index := func(idx *schema.Index, t *schema.Table) *schema.Index {
		ci := &schema.Index{
			Name:   idx.Name,
			Unique: idx.Unique,
			Table:  t,
			Attrs:  append([]schema.Attr(nil), idx.Attrs...),
		}
		for _, p := range idx.Parts {
			cp := &schema.IndexPart{SeqNo: p.SeqNo, Desc: p.Desc, X: p.X, Attrs: append([]schema.Attr(nil), p.Attrs...)}
			if p.C != nil {
				var own bool
				if cp.C, own = col(p.C); own {
					cp.C.Indexes = append(cp.C.Indexes, ci)
				}
			}
			ci.Parts = append(ci.Parts, cp)
		}
		return ci
	}
	for _, t := range s.Tables {
		ct := tables[t]
		if t.PrimaryKey != nil {
			ct.PrimaryKey = index(t.PrimaryKey, ct)
		}
		for _, idx := range t.Indexes {
			ct.Indexes = append(ct.Indexes, index(idx, ct))
		}
		for _, fk := range t.ForeignKeys {
			cf := &schema.ForeignKey{
				Symbol:   fk.Symbol,
				Table:    ct,
				RefTable: fk.RefTable,
				OnUpdate: fk.OnUpdate,
				OnDelete: fk.OnDelete,
				Attrs:    append([]schema.Attr(nil), fk.Attrs...),
			}
			if rt, ok := tables[fk.RefTable]; ok {
				cf.RefTable = rt
			}
			for _, x := range fk.Columns {
				cc, own := col(x)
				if own {
					cc.ForeignKeys = append(cc.ForeignKeys, cf)
				}
				cf.Columns = append(cf.Columns, cc)
			}
			for _, x := range fk.RefColumns {
				cc, _ := col(x)
				cf.RefColumns = append(cf.RefColumns, cc)
			}
			ct.ForeignKeys = append(ct.ForeignKeys, cf)
		}
	}
	return c
}
