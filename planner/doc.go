// Package planner compares a tenant's live schema with its desired schema and
// produces a plan: the statements that converge it, each classified
// (additive, destructive, data-dependent) and checked against the approvals
// merged in Git. One Plan structure is rendered as text, JSON or Markdown
// (package reconciler/render).
//
// # Planning
//
// A Planner serves one server: it opens one Atlas driver (with the
// foreign-key query rewrite of package layers) and inspects, diffs and plans
// every tenant of that server with it. The desired schema of a composition is
// shared by many tenants, so each Plan diffs a deep copy of it. Statements
// are unqualified: they run inside the tenant database.
//
// Every ALTER TABLE that mixes destructive and other changes is split so a
// destructive change is always a statement of its own with one approval, and
// a blocked drop never holds back an added column. Declared renames (spec.Rename)
// and case-only column renames run first (RENAME TABLE, RENAME COLUMN), then
// foreign-key drops of every table, then per table: index drops, the other
// changes, column drops and narrowing changes, re-added foreign keys.
//
// Some changes are a unit (units.go): planned together, with the class and
// approval of their drop, so they are blocked or run as a whole and MariaDB
// accepts every statement. A replaced index or check (same name in any letter
// case) is one ALTER TABLE; a replaced foreign key is its drop and then its
// re-add; a dropped foreign key takes the index MariaDB made for it along; a
// primary-key drop goes with its AUTO_INCREMENT column's change; a generated
// column whose kind changes is dropped and re-added at its place (approved as
// DROP COLUMN). A drop of a column or table that a foreign key uses waits for
// that key's drop approval too, with a Note saying so.
//
// # Classification
//
// Each statement is run through Atlas's sqlcheck analyzers and gets their
// codes. Its kind:
//
//   - destructive: drops a table, column, index, primary key, foreign key or
//     check constraint (DS101-DS103, CD101), or narrows a column: a shorter
//     string or binary type, a smaller or differently signed integer, fewer
//     decimal digits, DOUBLE to FLOAT, an enum or set value removed, a
//     narrower date/time type or precision, another charset, or a change to a
//     different type family that does not hold every old value;
//   - data-dependent: may fail or rewrite rows depending on the data (MF101
//     unique index on existing columns, MF102, MF103/MF104 NOT NULL on
//     existing rows, MY101 implicit fill of existing rows, a new primary key);
//   - additive: everything else (new tables, columns, indexes, foreign keys,
//     defaults, comments, wider types).
//
// # Approvals
//
// Additive and data-dependent statements run. A destructive statement runs
// only when the tenant's merged approvals (tenant, template, modules and
// strata.yaml) list its canonical approval string; otherwise it is Blocked
// and the plan prints the line to add. The canonical forms, with t a table, c
// a column and the object names as they are in the database:
//
//	DROP TABLE t
//	DROP COLUMN t.c
//	DROP INDEX t.i
//	DROP PRIMARY KEY t
//	DROP FOREIGN KEY t.fk
//	DROP CHECK t.ck
//	MODIFY COLUMN t.c       (a narrowing change of the column's type or charset)
//
// Keywords compare case-insensitively and runs of spaces count as one; the
// object name compares exactly. An index that goes away because all its
// columns are dropped needs no approval of its own. A live table that no
// layer declares is not a statement but Unmanaged drift ("TABLE notes"),
// kept, unless "DROP TABLE notes" is approved.
//
// # JSON
//
// render.Plan with render.FormatJSON writes the Plan as indented JSON. The
// shape is stable: fields are only ever added.
//
//	{
//	  "commit": "4f1c2a9",                 // omitted when unknown
//	  "tenants": [{
//	    "name": "acme",
//	    "database": "tenant_acme",
//	    "server": "main",
//	    "action": "create|change|none|blocked|failed|skip",
//	    "desired_hash": "…",                 // spec.Tenant.LayerHash; omitted when unknown
//	    "statements": [{                     // [] when none; in the order they run
//	      "sql": "ALTER TABLE `members` DROP COLUMN `fax`",
//	      "comment": "…",                    // omitted when empty
//	      "kind": "additive|destructive|data-dependent",
//	      "codes": ["DS103"],                // sqlcheck codes; omitted when none
//	      "approval": "DROP COLUMN members.fax", // destructive statements only
//	      "blocked": true,
//	      "note": "…",                       // why it waits, or how to keep the data; omitted when empty
//	      "withheld": "drift strategy report: …", // why the drift strategy keeps it from running; omitted when it does not
//	      "archive": {                       // a statement that keeps or restores dropped data (docs/archives.md); omitted otherwise
//	        "op": "archive|restore|",        // "": the drop is not archived (note says why and what it loses)
//	        "kind": "table|column", "object": "members.fax", "table": "_strata_archive_…",
//	        "rows": 1300, "values": 1204, "bytes": 20480, "note": "archives members.fax (1,204 values …", "id": 7
//	      }
//	    }],
//	    "unmanaged": [{"object": "TABLE notes", "detail": "…"}], // omitted when none
//	    "error": "…"                         // ActionFailed only
//	  }],
//	  "summary": {"tenants": 6, "create": 1, "change": 2, "statements": 7,
//	              "blocked": 1, "in_sync": 2, "failed": 0, "skipped": 0}
//	}
//
// # Pull-request plans
//
// strata plan --base REF --format json writes a PRPlan (the change merging
// the head makes to every tenant's desired schema) with its groups: tenants
// whose change is identical, as the Markdown comment shows them. Fields are
// only ever added.
//
//	{
//	  "base": {"ref": "main", "commit": "…", "diagnostics": [...]},   // diagnostics: spec.Diagnostic, when the side is invalid
//	  "head": {"ref": "worktree"},
//	  "tenants": [{ …a tenant of the JSON plan above…,
//	    "template": "ngo",
//	    "approve_in": ["templates/ngo/template.yaml", "tenants/acme/tenant.yaml"], // where an approval may go
//	    "status_change": "active -> suspended"
//	  }],
//	  "removed": ["old-tenant"],
//	  "summary": {"tenants": 31, "create": 1, "change": 30, "blocked": 0, "unchanged": 0, "skipped": 0,
//	              "removed": 0, "statements": 31, "failed_validation": 0, "problems": 0},
//	  "live": {                                          // --live only
//	    "tenants": [{"name": "ngo-02", "finding": "failed|missing|drifted|pending|exists|unmanaged",
//	                 "action": "change", "extra": [statements], "absent": [statements], "unmanaged": [...]}],
//	    "note": "…", "summary": {"tenants": 31, "at_base": 27, "drifted": 1, …}
//	  },
//	  "groups": [{"action": "change", "tenants": ["ngo-01", …], "template": "ngo",
//	              "statements": [statements], "approve_in": [...]}],
//	  "live_groups": [{"finding": "drifted", "tenants": [...], "action": "change", "extra": [...], "absent": [...]}]
//	}
//
// The summary is recomputed from the tenants on every render. Text and
// Markdown show only the tenants that need attention (in-sync and skipped
// tenants are counted in the summary line).
package planner
