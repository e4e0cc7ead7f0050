package landlord

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxLockName is MariaDB's limit on the length of a GET_LOCK name.
const maxLockName = 64

// LockName returns the advisory lock name strata uses for name within kind
// ("tenant" for a tenant database, "landlord" for the landlord's migration):
// "strata:kind:name", or, when that exceeds MariaDB's 64 characters,
// "strata:kind:" and the first 48 hex digits of name's SHA-256. Every strata
// process must compute the same name for the lock to exclude anything.
func LockName(kind, name string) string {
	prefix := "strata:" + kind + ":"
	if len(prefix)+len(name) <= maxLockName {
		return prefix + name
	}
	sum := sha256.Sum256([]byte(name))
	return prefix + hex.EncodeToString(sum[:])[:48]
}
