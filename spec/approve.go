package spec

import (
	"fmt"
	"strings"
)

// approvalForms are the canonical approval strings by their keywords, with
// the shape of the object name that follows (see docs/config.md).
var approvalForms = map[string]string{
	"DROP TABLE":       "table",
	"DROP PRIMARY KEY": "table",
	"DROP COLUMN":      "table.column",
	"DROP INDEX":       "table.index",
	"DROP FOREIGN KEY": "table.foreign_key",
	"DROP CHECK":       "table.check",
	"MODIFY COLUMN":    "table.column",
	"DROP DATABASE":    "",
}

// checkApprovals reports approval strings of d's approve.destructive that
// can never match a change: an unknown form, a name of the wrong shape, a
// wildcard, or DROP DATABASE outside a tenant.yaml (own is false), where it
// has no effect.
func (l *loader) checkApprovals(d *doc, list []string, own bool) {
	for i, a := range list {
		at := d.pos("approve", "destructive", i)
		form, name := splitApproval(a)
		shape, known := approvalForms[form]
		switch {
		case !known:
			l.ds.at(at, "write one of the canonical forms strata plan prints, such as DROP COLUMN members.fax (see docs/config.md, Approvals)",
				"approval %q matches no change: it does not start with DROP TABLE, DROP COLUMN, DROP INDEX, DROP PRIMARY KEY, DROP FOREIGN KEY, DROP CHECK, MODIFY COLUMN or DROP DATABASE", a)
		case form == "DROP DATABASE" && !own:
			l.ds.at(at, "move it to the tenant.yaml of the decommissioned tenant whose database may be dropped",
				"approval %q has no effect here: only a tenant's own tenant.yaml may approve dropping its database", a)
		case form == "DROP DATABASE" && name != "":
			l.ds.at(at, "write DROP DATABASE alone: it approves dropping this tenant's database", "approval %q names a database; DROP DATABASE takes no name", a)
		case shape == "":
		case strings.ContainsAny(name, "*%?"):
			l.ds.at(at, "approve each change by its exact name, as strata plan prints it", "approval %q has a wildcard, which never matches: approvals name one object", a)
		case strings.Count(name, ".") != strings.Count(shape, ".") || name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "."):
			l.ds.at(at, fmt.Sprintf("write %s %s, as strata plan prints it", form, shape), "approval %q matches no change: %s takes %s", a, form, shape)
		}
	}
}

// splitApproval returns an approval's keywords, upper-cased, and its object
// name: "drop  column users.fax" is ("DROP COLUMN", "users.fax").
func splitApproval(a string) (string, string) {
	f := strings.Fields(a)
	for n := min(3, len(f)); n > 0; n-- {
		form := strings.ToUpper(strings.Join(f[:n], " "))
		if _, ok := approvalForms[form]; ok {
			return form, strings.Join(f[n:], " ")
		}
	}
	return strings.ToUpper(strings.Join(f, " ")), ""
}
