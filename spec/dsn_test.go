package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParseServerDSN(t *testing.T) {
	cfg, err := ParseServerDSN("strata:pw@tcp(db:3306)/somedb")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DBName != "" || !cfg.ParseTime || cfg.Loc != time.UTC || cfg.Passwd != "pw" || cfg.Addr != "db:3306" {
		t.Errorf("config = %+v", cfg)
	}
	// The driver's own error for this DSN quotes "et%zzpw@tcp(db:3306)".
	_, err = ParseServerDSN("strata:s3cr/et%zzpw@tcp(db:3306)")
	if err == nil || strings.Contains(err.Error(), "zzpw") || strings.Contains(err.Error(), "s3cr") {
		t.Errorf("error = %v: want an error that does not quote the password", err)
	}
}
