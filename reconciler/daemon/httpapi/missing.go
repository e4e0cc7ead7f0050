package httpapi

import (
	"errors"

	"github.com/go-sql-driver/mysql"
)

// missing reports whether err means the landlord is not created yet (no
// apply has run): the API then shows no records rather than an error.
func missing(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1049 || me.Number == 1146)
}
