package planner

import (
	"slices"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/schema"
)

// class is how strata treats one schema change before sqlcheck adds its
// codes: its kind and, for a destructive change, its canonical approval.
type class struct {
	kind     Kind
	approval string
}

// classifyTable classifies a table-level change (AddTable, DropTable).
func classifyTable(c schema.Change) class {
	if d, ok := c.(*schema.DropTable); ok {
		return class{Destructive, "DROP TABLE " + d.T.Name}
	}
	return class{kind: Additive}
}

// classifyModify classifies one change inside ALTER TABLE t.
func classifyModify(t string, c schema.Change) class {
	switch c := c.(type) {
	case *schema.DropColumn:
		return class{Destructive, "DROP COLUMN " + t + "." + c.C.Name}
	case *schema.DropIndex:
		return class{Destructive, "DROP INDEX " + t + "." + c.I.Name}
	case *schema.DropPrimaryKey:
		return class{Destructive, "DROP PRIMARY KEY " + t}
	case *schema.DropForeignKey:
		return class{Destructive, "DROP FOREIGN KEY " + t + "." + c.F.Symbol}
	case *schema.DropCheck:
		return class{Destructive, "DROP CHECK " + t + "." + c.C.Name}
	case *schema.ModifyColumn:
		if narrows(c.From, c.To) {
			return class{Destructive, "MODIFY COLUMN " + t + "." + c.To.Name}
		}
	case *schema.ModifyPrimaryKey:
		return class{kind: DataDependent}
	}
	return class{kind: Additive}
}

// narrows reports whether changing a column from one definition to the other
// can lose data that fits the old one: a shorter or smaller type, a
// different type family, fewer enum or set values, a narrower charset.
func narrows(from, to *schema.Column) bool {
	if charsetOf(from.Attrs) != charsetOf(to.Attrs) && charsetOf(from.Attrs) != "" && charsetOf(to.Attrs) != "" {
		return true
	}
	if from.Type == nil || to.Type == nil {
		return false
	}
	switch f := from.Type.Type.(type) {
	case *schema.IntegerType:
		t, ok := to.Type.Type.(*schema.IntegerType)
		if !ok {
			return !widerThanInt(f, to.Type.Type)
		}
		fr, tr := intRank(f.T), intRank(t.T)
		switch {
		case f.Unsigned == t.Unsigned:
			return tr < fr
		case f.Unsigned: // unsigned to signed needs a larger type
			return tr <= fr
		default: // signed to unsigned loses negative values
			return true
		}
	case *schema.StringType:
		return capacity(to.Type.Type, false) < capacity(f, false)
	case *schema.BinaryType:
		return capacity(to.Type.Type, true) < capacity(f, true)
	case *schema.DecimalType:
		t, ok := to.Type.Type.(*schema.DecimalType)
		return !ok || t.Scale < f.Scale || t.Precision-t.Scale < f.Precision-f.Scale || (t.Unsigned && !f.Unsigned)
	case *schema.FloatType:
		t, ok := to.Type.Type.(*schema.FloatType)
		return !ok || floatRank(t) < floatRank(f) || (t.Unsigned && !f.Unsigned)
	case *schema.EnumType:
		t, ok := to.Type.Type.(*schema.EnumType)
		return !ok || !subset(f.Values, t.Values)
	case *mysql.SetType:
		t, ok := to.Type.Type.(*mysql.SetType)
		return !ok || !subset(f.Values, t.Values)
	case *schema.TimeType:
		t, ok := to.Type.Type.(*schema.TimeType)
		if !ok {
			return true
		}
		if f.T != t.T && !(f.T == mysql.TypeDate && (t.T == mysql.TypeDateTime || t.T == mysql.TypeTimestamp)) {
			return true
		}
		return intPtr(t.Precision) < intPtr(f.Precision)
	case *mysql.BitType:
		t, ok := to.Type.Type.(*mysql.BitType)
		return !ok || t.Size < f.Size
	case *schema.BoolType: // tinyint(1): any integer holds it
		_, ok := to.Type.Type.(*schema.IntegerType)
		if ok {
			return false
		}
	}
	// Anything else (JSON, spatial, bool, ...): a change of family narrows.
	return formatType(from.Type.Type) != formatType(to.Type.Type) && !sameFamily(from.Type.Type, to.Type.Type)
}

// widerThanInt reports whether to holds every value of integer type f.
func widerThanInt(f *schema.IntegerType, to schema.Type) bool {
	switch t := to.(type) {
	case *schema.DecimalType:
		digits := map[int]int{1: 3, 2: 5, 3: 8, 4: 10, 5: 20}[intRank(f.T)]
		return t.Precision-t.Scale >= digits && (!t.Unsigned || f.Unsigned)
	case *schema.StringType:
		return capacity(t, false) >= 21
	}
	return false
}

func intRank(t string) int {
	t, _, _ = strings.Cut(t, "(") // a display width (keepWidths) is not a range
	switch t {
	case mysql.TypeTinyInt:
		return 1
	case mysql.TypeSmallInt:
		return 2
	case mysql.TypeMediumInt:
		return 3
	case mysql.TypeInt:
		return 4
	case mysql.TypeBigInt:
		return 5
	}
	return 4
}

func floatRank(t *schema.FloatType) int {
	if t.T == mysql.TypeDouble || t.T == mysql.TypeReal || t.Precision > 24 {
		return 2
	}
	return 1
}

// capacity is the most characters (or bytes) a string or binary type holds;
// 0 for other types, so a change to a different family always narrows.
func capacity(t schema.Type, binary bool) int64 {
	switch t := t.(type) {
	case *schema.StringType:
		if binary {
			return 0
		}
		switch t.T {
		case mysql.TypeTinyText:
			return 255
		case mysql.TypeText:
			return 65535
		case mysql.TypeMediumText:
			return 1<<24 - 1
		case mysql.TypeLongText:
			return 1<<32 - 1
		}
		return int64(t.Size)
	case *schema.BinaryType:
		if !binary {
			return 0
		}
		switch t.T {
		case mysql.TypeTinyBlob:
			return 255
		case mysql.TypeBlob:
			return 65535
		case mysql.TypeMediumBlob:
			return 1<<24 - 1
		case mysql.TypeLongBlob:
			return 1<<32 - 1
		}
		return int64(intPtr(t.Size))
	}
	return 0
}

func subset(values, of []string) bool {
	for _, v := range values {
		if !slices.Contains(of, v) {
			return false
		}
	}
	return true
}

func intPtr(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func charsetOf(attrs []schema.Attr) string {
	for _, a := range attrs {
		if c, ok := a.(*schema.Charset); ok {
			return c.V
		}
	}
	return ""
}

func formatType(t schema.Type) string {
	s, err := mysql.FormatType(t)
	if err != nil {
		return ""
	}
	return s
}

func sameFamily(a, b schema.Type) bool {
	switch a.(type) {
	case *schema.JSONType:
		_, ok := b.(*schema.JSONType)
		return ok
	case *schema.SpatialType:
		_, ok := b.(*schema.SpatialType)
		return ok
	case *schema.BoolType:
		_, ok := b.(*schema.BoolType)
		return ok
	}
	return false
}
