package drift

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// describe turns one Atlas change into differences. It returns the change
// without the parts drift ignores, or nil when nothing is left: an
// AUTO_INCREMENT counter moves with every insert, so the snapshot's value
// and the live one differ without anyone touching the schema.
func describe(c schema.Change) (schema.Change, []Difference) {
	switch c := c.(type) {
	case *schema.AddTable:
		return c, []Difference{{Object: Table, Change: Added, Table: c.T.Name}}
	case *schema.DropTable:
		return c, []Difference{{Object: Table, Change: Removed, Table: c.T.Name}}
	case *schema.RenameTable:
		return c, []Difference{{Object: Table, Change: Renamed, Table: c.From.Name, Detail: "to " + c.To.Name}}
	case *schema.ModifyTable:
		var kept []schema.Change
		var diffs []Difference
		for _, sub := range c.Changes {
			if d, ok := describeTableChange(c.T.Name, sub); ok {
				kept = append(kept, sub)
				diffs = append(diffs, d)
			}
		}
		if len(kept) == 0 {
			return nil, nil
		}
		return &schema.ModifyTable{T: c.T, Changes: kept}, diffs
	case *schema.ModifySchema:
		var kept []schema.Change
		var diffs []Difference
		for _, sub := range c.Changes {
			if o, name, ok := attrChange(sub); ok {
				if o == TableOption {
					o = SchemaOption
				}
				kept = append(kept, sub)
				diffs = append(diffs, Difference{Object: o, Change: Modified, Name: name})
			}
		}
		if len(kept) == 0 {
			return nil, nil
		}
		return &schema.ModifySchema{S: c.S, Changes: kept}, diffs
	default:
		return c, []Difference{{Object: Other, Change: Modified, Name: typeName(c)}}
	}
}

// describeTableChange describes one change inside a ModifyTable; ok is
// false for a change drift ignores.
func describeTableChange(table string, c schema.Change) (Difference, bool) {
	d := Difference{Table: table}
	switch c := c.(type) {
	case *schema.AddColumn:
		d.Object, d.Change, d.Name = Column, Added, c.C.Name
	case *schema.DropColumn:
		d.Object, d.Change, d.Name = Column, Removed, c.C.Name
	case *schema.ModifyColumn:
		d.Object, d.Change, d.Name, d.Detail = Column, Modified, c.To.Name, kinds(c.Change)
	case *schema.RenameColumn:
		d.Object, d.Change, d.Name, d.Detail = Column, Renamed, c.From.Name, "to "+c.To.Name
	case *schema.AddIndex:
		d.Object, d.Change, d.Name = Index, Added, c.I.Name
	case *schema.DropIndex:
		d.Object, d.Change, d.Name = Index, Removed, c.I.Name
	case *schema.ModifyIndex:
		d.Object, d.Change, d.Name, d.Detail = Index, Modified, c.To.Name, kinds(c.Change)
	case *schema.RenameIndex:
		d.Object, d.Change, d.Name, d.Detail = Index, Renamed, c.From.Name, "to "+c.To.Name
	case *schema.AddPrimaryKey:
		d.Object, d.Change, d.Name, d.Detail = PrimaryKey, Added, "PRIMARY", partNames(c.P)
	case *schema.DropPrimaryKey:
		d.Object, d.Change, d.Name, d.Detail = PrimaryKey, Removed, "PRIMARY", partNames(c.P)
	case *schema.ModifyPrimaryKey:
		d.Object, d.Change, d.Name, d.Detail = PrimaryKey, Modified, "PRIMARY", kinds(c.Change)
	case *schema.AddForeignKey:
		d.Object, d.Change, d.Name = ForeignKey, Added, c.F.Symbol
	case *schema.DropForeignKey:
		d.Object, d.Change, d.Name = ForeignKey, Removed, c.F.Symbol
	case *schema.ModifyForeignKey:
		d.Object, d.Change, d.Name, d.Detail = ForeignKey, Modified, c.To.Symbol, kinds(c.Change)
	case *schema.AddCheck:
		d.Object, d.Change, d.Name = Check, Added, checkName(c.C)
	case *schema.DropCheck:
		d.Object, d.Change, d.Name = Check, Removed, checkName(c.C)
	case *schema.ModifyCheck:
		d.Object, d.Change, d.Name = Check, Modified, checkName(c.To)
	case *schema.AddAttr, *schema.DropAttr, *schema.ModifyAttr:
		o, name, ok := attrChange(c)
		if !ok {
			return Difference{}, false
		}
		d.Object, d.Change, d.Name = o, Modified, name
		if o == Comment {
			d.Name = ""
		}
	default:
		d.Object, d.Change, d.Name = Other, Modified, typeName(c)
	}
	return d, true
}

// attrChange names the attribute an AddAttr, DropAttr or ModifyAttr
// concerns; ok is false for AUTO_INCREMENT counters, which drift ignores.
func attrChange(c schema.Change) (o Object, name string, ok bool) {
	var a schema.Attr
	switch c := c.(type) {
	case *schema.AddAttr:
		a = c.A
	case *schema.DropAttr:
		a = c.A
	case *schema.ModifyAttr:
		a = c.To
		if a == nil {
			a = c.From
		}
	}
	switch a.(type) {
	case *mysql.AutoIncrement:
		return "", "", false
	case *schema.Comment:
		return Comment, "comment", true
	case *schema.Charset:
		return TableOption, "charset", true
	case *schema.Collation:
		return TableOption, "collation", true
	case *mysql.Engine:
		return TableOption, "engine", true
	default:
		return TableOption, typeName(a), true
	}
}

// kindNames lists Atlas's change kinds in the words a report uses.
var kindNames = []struct {
	k    schema.ChangeKind
	name string
}{
	{schema.ChangeType, "type"},
	{schema.ChangeNull, "null"},
	{schema.ChangeDefault, "default"},
	{schema.ChangeGenerated, "generated"},
	{schema.ChangeCharset, "charset"},
	{schema.ChangeCollate, "collation"},
	{schema.ChangeComment, "comment"},
	{schema.ChangeAttr, "attributes"},
	{schema.ChangeUnique, "unique"},
	{schema.ChangeParts, "parts"},
	{schema.ChangeColumn, "columns"},
	{schema.ChangeRefTable, "referenced table"},
	{schema.ChangeRefColumn, "referenced columns"},
	{schema.ChangeUpdateAction, "on update"},
	{schema.ChangeDeleteAction, "on delete"},
}

// kinds renders a ChangeKind bit set as "type, null".
func kinds(k schema.ChangeKind) string {
	var out []string
	for _, n := range kindNames {
		if k&n.k != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}

func partNames(idx *schema.Index) string {
	if idx == nil {
		return ""
	}
	var names []string
	for _, p := range idx.Parts {
		if p.C != nil {
			names = append(names, p.C.Name)
		}
	}
	return strings.Join(names, ", ")
}

func checkName(c *schema.Check) string {
	if c.Name != "" {
		return c.Name
	}
	return c.Expr
}

// typeName names a change or attribute Atlas reports that drift has no
// word for, e.g. "AddObject".
func typeName(v any) string {
	s := fmt.Sprintf("%T", v)
	return s[strings.LastIndex(s, ".")+1:]
}
