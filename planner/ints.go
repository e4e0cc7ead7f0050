package planner

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/schema"
)

// keepWidths makes Atlas's model of s's integer columns say what MariaDB
// says. Atlas reads any integer of display width 1 (INT(1), BIGINT(1)
// UNSIGNED) as a boolean and renders it as tinyint(1), and renders integers
// without their display width: a declared type would change. Only a signed
// tinyint(1) stays a boolean (what BOOL is); every other integer gets its
// type with the width from information_schema (ColumnType.Raw), unless it
// is the width MariaDB gives that type anyway.
func keepWidths(s *schema.Schema) {
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if c.Type == nil || c.Type.Raw == "" {
				continue
			}
			f := strings.Fields(strings.ToLower(c.Type.Raw))
			name, _, _ := strings.Cut(f[0], "(")
			switch name {
			case "tinyint", "smallint", "mediumint", "int", "bigint":
			default:
				continue
			}
			if f[0] == "tinyint(1)" && len(f) == 1 {
				continue // a boolean
			}
			it, ok := c.Type.Type.(*schema.IntegerType)
			if !ok {
				if _, b := c.Type.Type.(*schema.BoolType); !b {
					continue
				}
				it = &schema.IntegerType{}
				c.Type.Type = it
			}
			it.Unsigned = len(f) > 1 && f[1] == "unsigned"
			it.T = f[0]
			if f[0] == defaultWidth(name, it.Unsigned) {
				it.T = name // MariaDB gives it that width: plans read as the layer wrote them
			}
		}
	}
}

// defaultWidth is the type MariaDB prints for an integer declared without
// a display width, e.g. "int(11)".
func defaultWidth(name string, unsigned bool) string {
	w := map[string][2]int{"tinyint": {4, 3}, "smallint": {6, 5}, "mediumint": {9, 8}, "int": {11, 10}, "bigint": {20, 20}}[name]
	n := w[0]
	if unsigned {
		n = w[1]
	}
	return fmt.Sprintf("%s(%d)", name, n)
}
