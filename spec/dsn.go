package spec

import (
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
)

// ErrInvalidDSN is returned by ParseServerDSN. It never quotes the DSN: the
// driver's own parse errors can hold part of the password.
var ErrInvalidDSN = errors.New("not a valid go-sql-driver/mysql DSN (user:password@tcp(host:3306)/; " +
	"percent-encode a / or @ in the password)")

// ParseServerDSN parses a server DSN from strata.yaml into the connection
// settings every strata connection starts from: no default database,
// DATETIME scanned as time.Time in UTC.
func ParseServerDSN(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, ErrInvalidDSN
	}
	cfg.DBName = ""
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	return cfg, nil
}
