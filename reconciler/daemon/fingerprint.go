package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"

	"github.com/stratadb/strata/spec"
)

// fingerprint identifies everything about a tenant's resolved spec that an
// apply acts on: its layers (DDL and seeds), where it lives, its status and
// its approvals. Two commits that give a tenant the same fingerprint leave
// nothing new to do for it, so it is reconciled after the changed ones.
func fingerprint(t *spec.Tenant) string {
	h := sha256.New()
	w := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	w(t.LayerHash())
	for _, l := range t.Layers {
		for _, f := range l.Seeds {
			w(f.Path)
			w(f.Hash)
		}
	}
	w(t.Database)
	w(t.Server)
	w(string(t.Status))
	w(string(t.Drift))
	approvals := append([]string(nil), t.Approve.Destructive...)
	sort.Strings(approvals)
	for _, a := range approvals {
		w(a)
	}
	keys := make([]string, 0, len(t.Vars))
	for k := range t.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(k)
		w(t.Vars[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}
