package spec

import (
	"slices"
	"testing"
)

// TestExamples loads the example fleet in examples/ and checks every
// tenant's resolved layer order.
func TestExamples(t *testing.T) {
	f, err := LoadDir("../examples", WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("examples are invalid:\n%v", err)
	}
	const (
		basic = "basic"
		party = "template/political-party-nepal"
		ngo   = "template/ngo"
		edu   = "template/educational-institution"
		mem   = "module/membership-management"
		ev    = "module/event-management"
		fin   = "module/financial-tracking"
		elec  = "module/election-campaign"
		soc   = "module/social-media"
	)
	want := map[string][]string{
		"cpn-uml":                  {basic, party, mem, ev, fin, "custom/cpn-uml"},
		"gyanodaya-school":         {basic, edu, mem, ev, soc},
		"himali-water-trust":       {basic, ngo, mem},
		"nepali-congress":          {basic, party, mem, ev, fin, elec, soc, "custom/nepali-congress"},
		"pokhara-model-college":    {basic, edu, "custom/pokhara-model-college"},
		"rastriya-swatantra-party": {basic, party, mem, soc},
		"sahayog-foundation":       {basic, ngo, mem, ev, fin},
	}
	if len(f.Tenants) != len(want) {
		t.Errorf("%d tenants, want %d", len(f.Tenants), len(want))
	}
	for _, tn := range f.Tenants {
		t.Run(tn.Name, func(t *testing.T) {
			w, ok := want[tn.Name]
			if !ok {
				t.Fatalf("tenant %s has no expected layer order", tn.Name)
			}
			if got := layerIDs(tn); !slices.Equal(got, w) {
				t.Errorf("layers =\n  %v\nwant\n  %v", got, w)
			}
		})
	}
}
