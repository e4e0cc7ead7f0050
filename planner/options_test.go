package planner

import (
	"fmt"
	"testing"
)

// TestOptionsChange: each option that differs is set or reset in one
// ALTER TABLE, those Atlas plans are left to it when it changes the table,
// and an option no value removes is a divergence naming table and option.
func TestOptionsChange(t *testing.T) {
	const base = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
	tests := []struct {
		name, live, desired string
		atlas               bool
		wantSQL             string // "" for no statement
		wantKind            Kind
		wantDivs            string
	}{
		{"row format added", base, base + " ROW_FORMAT=COMPACT", false,
			"ALTER TABLE `t` ROW_FORMAT=COMPACT", DataDependent, "[]"},
		{"compressed removed", base + " ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8", base, false,
			"ALTER TABLE `t` ROW_FORMAT=DEFAULT KEY_BLOCK_SIZE=0", DataDependent, "[]"},
		{"stats changed", base + " STATS_PERSISTENT=1", base + " STATS_PERSISTENT=0 STATS_SAMPLE_PAGES=9", false,
			"ALTER TABLE `t` STATS_PERSISTENT=0 STATS_SAMPLE_PAGES=9", Additive, "[]"},
		{"comment with spaces and = left to Atlas", base + " COMMENT='a = b'", base + " STATS_AUTO_RECALC=0 COMMENT='x y'", true,
			"ALTER TABLE `t` STATS_AUTO_RECALC=0", Additive, "[]"},
		{"comment alone when Atlas plans nothing", base + " COMMENT='a'", base + " COMMENT='a b'", false,
			"ALTER TABLE `t` COMMENT='a b'", Additive, "[]"},
		{"engine-defined option removed", base + " `page_compressed`='1'", base, false,
			"ALTER TABLE `t` `page_compressed`=DEFAULT", Additive, "[]"},
		{"only what Atlas plans", base, "ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci", true,
			"", "", "[]"},
		{"an option no value removes", base + " INSERT_METHOD=LAST", base, false,
			"", "", "[t: table option INSERT_METHOD differs (live: LAST, desired: none)]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, divs := optionsChange("t", tt.live, tt.desired, tt.atlas)
			got, kind := "", Kind("")
			if st != nil {
				got, kind = st.SQL, st.Kind
			}
			if got != tt.wantSQL || kind != tt.wantKind {
				t.Errorf("statement %q (%s), want %q (%s)", got, kind, tt.wantSQL, tt.wantKind)
			}
			if s := fmt.Sprint(divs); s != tt.wantDivs {
				t.Errorf("divergences %s, want %s", s, tt.wantDivs)
			}
		})
	}
}
