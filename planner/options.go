package planner

import (
	"strings"

	"github.com/stratadb/strata/spec/ident"
)

// Table options as SHOW CREATE TABLE prints them after the closing
// parenthesis: ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=... ROW_FORMAT=...
// KEY_BLOCK_SIZE=8 STATS_PERSISTENT=0 COMMENT='...' `page_compressed`='1'.
// Atlas plans the engine, charset, collation and comment (and the
// AUTO_INCREMENT start); strata plans every other option itself.

// tableOption is one NAME=value of a table's options line.
type tableOption struct {
	name  string // upper case, "DEFAULT CHARSET" for the charset; backquoted for an engine-defined option
	value string // as printed
}

// parseOptions splits an options line into its options, in printed order.
func parseOptions(s string) []tableOption {
	var out []tableOption
	toks := tokens(s)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if strings.EqualFold(t, "DEFAULT") && i+1 < len(toks) {
			i++
			t = "DEFAULT " + toks[i] // DEFAULT CHARSET=...
		}
		name, value, ok := strings.Cut(t, "=")
		if !ok {
			name, value = t, ""
		}
		if !strings.HasPrefix(name, "`") {
			name = strings.ToUpper(name)
		}
		out = append(out, tableOption{name: name, value: value})
	}
	return out
}

// atlasOptions are the options Atlas's diff plans statements for.
var atlasOptions = map[string]bool{"ENGINE": true, "DEFAULT CHARSET": true, "COLLATE": true, "COMMENT": true, "AUTO_INCREMENT": true}

// optionResets are the values that remove an option, so that SHOW CREATE
// TABLE no longer prints it (checked against MariaDB by
// TestOptionResetsRemoveTheOption). An engine-defined option (backquoted)
// is removed by setting it to DEFAULT.
var optionResets = map[string]string{
	"ROW_FORMAT":         "DEFAULT",
	"KEY_BLOCK_SIZE":     "0",
	"STATS_PERSISTENT":   "DEFAULT",
	"STATS_AUTO_RECALC":  "DEFAULT",
	"STATS_SAMPLE_PAGES": "DEFAULT",
	"PACK_KEYS":          "DEFAULT",
	"CHECKSUM":           "0",
	"PAGE_CHECKSUM":      "DEFAULT",
	"DELAY_KEY_WRITE":    "0",
	"MIN_ROWS":           "0",
	"MAX_ROWS":           "0",
	"AVG_ROW_LENGTH":     "0",
	"TRANSACTIONAL":      "DEFAULT",
}

// engineDefaults are options an engine prints in SHOW CREATE TABLE though
// no statement set them: Aria prints PAGE_CHECKSUM from aria_page_checksum
// (ON unless the server says otherwise). A table moved to the engine gets
// them with the move; setting them too would make them explicit, and the
// table would differ from one created with that engine.
var engineDefaults = map[string]map[string]string{"ARIA": {"PAGE_CHECKSUM": "1"}}

// rebuildOptions change how InnoDB stores rows: a row that fits one format
// may be too large for another (Error 1118), so the change is data-dependent.
var rebuildOptions = map[string]bool{"ROW_FORMAT": true, "KEY_BLOCK_SIZE": true}

// optionsChange returns the ALTER TABLE that turns table t's options from
// live into desired, leaving out those Atlas plans when atlas is true (Atlas
// changes some option of this table), and the options no statement can
// remove. nil when nothing is left to change.
func optionsChange(t, live, desired string, atlas bool) (*Statement, []Divergence) {
	lo, do := parseOptions(live), parseOptions(desired)
	liveVal := make(map[string]string, len(lo))
	for _, o := range lo {
		liveVal[o.name] = o.value
	}
	inDesired := make(map[string]bool, len(do))
	var brought map[string]string // options the engine change brings
	if to := strings.ToUpper(optionValue(do, "ENGINE")); to != strings.ToUpper(liveVal["ENGINE"]) {
		brought = engineDefaults[to]
	}
	var (
		clauses, changed []string
		divs             []Divergence
		kind             = Additive
	)
	note := func(name, l, d string) {
		changed = append(changed, strings.Trim(name, "`")+" (live: "+orNone(l)+", desired: "+orNone(d)+")")
		if rebuildOptions[name] {
			kind = DataDependent
		}
	}
	for _, o := range do {
		inDesired[o.name] = true
		l, ok := liveVal[o.name]
		if (ok && l == o.value) || (atlas && atlasOptions[o.name]) || (!ok && brought[o.name] == o.value && o.value != "") {
			continue
		}
		clauses = append(clauses, optionClause(o))
		note(o.name, l, o.value)
	}
	for _, o := range lo {
		if inDesired[o.name] || (atlas && atlasOptions[o.name]) {
			continue
		}
		reset, ok := optionResets[o.name]
		if strings.HasPrefix(o.name, "`") {
			reset, ok = "DEFAULT", true
		}
		if !ok {
			divs = append(divs, Divergence{Object: t, Attribute: "table option " + o.name, Live: o.value, Desired: "none"})
			continue
		}
		clauses = append(clauses, optionClause(tableOption{name: o.name, value: reset}))
		note(o.name, o.value, "")
	}
	if len(clauses) == 0 {
		return nil, divs
	}
	return &Statement{
		SQL:     "ALTER TABLE " + ident.Quote(t) + " " + strings.Join(clauses, " "),
		Comment: "table " + t + " options: " + strings.Join(changed, ", "),
		Kind:    kind,
	}, divs
}

// optionValue returns the value of option name in opts, "" when absent.
func optionValue(opts []tableOption, name string) string {
	for _, o := range opts {
		if o.name == name {
			return o.value
		}
	}
	return ""
}

// optionClause prints o as ALTER TABLE takes it.
func optionClause(o tableOption) string {
	if o.value == "" && !strings.HasPrefix(o.name, "`") {
		return o.name
	}
	return o.name + "=" + o.value
}
