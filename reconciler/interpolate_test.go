package reconciler

import (
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestInterpolated: query arguments are quoted by the driver (one round trip
// per query) except under collations the driver refuses it for.
func TestInterpolated(t *testing.T) {
	tests := []struct {
		collation string
		want      bool
	}{
		{"", true},
		{"utf8mb4_unicode_ci", true},
		{"gbk_chinese_ci", false},
		{"sjis_japanese_ci", false},
	}
	for _, tt := range tests {
		cfg, err := mysql.ParseDSN("u:p@tcp(127.0.0.1:3306)/")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Collation = tt.collation
		got := interpolated(cfg)
		if got.InterpolateParams != tt.want || cfg.InterpolateParams {
			t.Errorf("collation %q: interpolate %v (original changed: %v), want %v", tt.collation, got.InterpolateParams, cfg.InterpolateParams, tt.want)
		}
		if _, err := mysql.NewConnector(got); err != nil {
			t.Errorf("collation %q: the driver refuses the config: %v", tt.collation, err)
		}
	}
}
