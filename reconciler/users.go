package reconciler

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/stratadb/strata/reconciler/landlord"
)

// maxUserLen is MariaDB's limit on user names (MySQL's is 32).
const maxUserLen = 80

// host is the account host of tenant users.
const host = "%"

// userName derives a tenant user's name from its database: database names
// are unique on a server and the suffixes differ, so user names are too.
// Database names are at most 64 characters, so the name fits in 80.
func userName(database string, role landlord.Role) string {
	suffix := "_app"
	if role == landlord.RoleMigrator {
		suffix = "_mig"
	}
	return database + suffix
}

// password returns a random password: 24 bytes, base64url (no quoting issues).
func password() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reconciler: random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// sealContext binds a sealed password to its tenant and role.
func sealContext(tenant string, role landlord.Role) string {
	return "strata/" + tenant + "/" + string(role)
}
