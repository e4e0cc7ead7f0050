package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultArchiveRetention is archive.retention when nothing sets it: how
// long strata keeps the data of an approved DROP TABLE or DROP COLUMN.
const DefaultArchiveRetention = 7 * 24 * time.Hour

// Archive is an archive: block of strata.yaml, template.yaml, module.yaml
// or tenant.yaml.
type Archive struct {
	// Retention is how long an archive is kept before it is purged; 0
	// archives nothing (the drop loses the data, as without strata).
	Retention time.Duration
	Set       bool // the file sets retention
}

type rawArchive struct {
	Retention any `json:"retention"` // 0 (a number in YAML) or a string
}

// archive parses a raw archive block (CUE checked its shape: 0 or a whole
// number of minutes, hours or days).
func (r rawArchive) archive() Archive {
	if r.Retention == nil {
		return Archive{}
	}
	s := fmt.Sprint(r.Retention)
	if s == "0" {
		return Archive{Set: true}
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.Atoi(strings.TrimRight(s, "mhd"))
	if err != nil || unit == 0 {
		return Archive{}
	}
	return Archive{Retention: time.Duration(n) * unit, Set: true}
}

// archiveRetention resolves a tenant's retention: the most specific file
// that sets one wins, tenant.yaml, then its modules (the shortest among
// those that set one: a module that turns archives off for its data turns
// them off for the tenant's drops), then its template, then strata.yaml.
func archiveRetention(own Archive, modules []Archive, tmpl, fleet Archive) time.Duration {
	if own.Set {
		return own.Retention
	}
	var best *Archive
	for i := range modules {
		if modules[i].Set && (best == nil || modules[i].Retention < best.Retention) {
			best = &modules[i]
		}
	}
	switch {
	case best != nil:
		return best.Retention
	case tmpl.Set:
		return tmpl.Retention
	case fleet.Set:
		return fleet.Retention
	}
	return DefaultArchiveRetention
}
