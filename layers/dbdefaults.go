package layers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MariaDB caches each database's default charset and collation. A session
// that lists databases (information_schema.SCHEMATA: strata's bulk pass,
// the scratch sweep, any client) while CREATE DATABASE runs can find the
// new database before its defaults are cached, read its db.opt before it
// is written, and cache the server's defaults over those CREATE DATABASE
// cached, as late as that session gets to it (milliseconds on a busy
// server). They then stand until the database is dropped: SCHEMATA shows
// them and every table created without a COLLATE gets them. A composition
// checks its scratch database once more after its last read and is
// composed again when the defaults changed (Composer.compose); a tenant
// database is checked when created, and its verification after the apply
// names a table that got other defaults still.

// execQuerier is a connection or a pool.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// errDefaultsLost is a database whose defaults are not those it was created with.
var errDefaultsLost = errors.New("the server holds other defaults for the database than it was created with")

// checkDefaults returns errDefaultsLost when database's default charset and
// collation are not those CREATE DATABASE gives it for charset and
// collation, as the server names them (utf8 is utf8mb3, names in any case;
// a charset alone has its default collation). Without a charset it checks
// nothing: the server's defaults are what a lost database gets.
func checkDefaults(ctx context.Context, q execQuerier, database, charset, collation string) error {
	if charset == "" {
		return nil
	}
	want := "CONVERT('' USING " + quoteIdent(charset) + ")"
	if collation != "" {
		want += " COLLATE " + quoteIdent(collation)
	}
	var cs, coll, wantCS, wantColl string
	// Equality on the name: MariaDB reads this one database's defaults only.
	err := q.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, CHARSET("+want+"), COLLATION("+want+
		") FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", database).Scan(&cs, &coll, &wantCS, &wantColl)
	if err != nil {
		return fmt.Errorf("read the defaults of %s: %w", database, err)
	}
	if cs != wantCS || coll != wantColl {
		return fmt.Errorf("%w: %s has %s/%s, created with %s/%s", errDefaultsLost, database, cs, coll, wantCS, wantColl)
	}
	return nil
}

// CreateDatabase creates database with charset and collation (the server's
// when empty) and checks that the server holds them as its defaults: when a
// concurrent read cached others, ALTER DATABASE sets them again (a read
// that starts later finds them cached). created reports whether the
// database was created, also when err says its defaults could not be set.
func CreateDatabase(ctx context.Context, q execQuerier, database, charset, collation string) (created bool, err error) {
	opts := ""
	if charset != "" {
		opts += " CHARACTER SET " + quoteIdent(charset)
	}
	if collation != "" {
		opts += " COLLATE " + quoteIdent(collation)
	}
	if _, err := q.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(database)+opts); err != nil {
		return false, fmt.Errorf("create database %s (charset %q, collation %q): %w", database, charset, collation, err)
	}
	err = checkDefaults(ctx, q, database, charset, collation)
	if !errors.Is(err, errDefaultsLost) {
		return true, err
	}
	if _, err := q.ExecContext(ctx, "ALTER DATABASE "+quoteIdent(database)+opts); err != nil {
		return true, fmt.Errorf("set the defaults of %s: %w", database, err)
	}
	return true, checkDefaults(ctx, q, database, charset, collation)
}
