package forge_test

import (
	"testing"

	"github.com/stratadb/strata/cmd/internal/forge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarker(t *testing.T) {
	cases := []struct {
		key, want, wantErr string
	}{
		{key: "", want: "<!-- strata:plan -->"},
		{key: "billing", want: "<!-- strata:plan:billing -->"},
		{key: "configs/eu-west.v2", want: "<!-- strata:plan:configs/eu-west.v2 -->"},
		{key: "<!-- my own marker -->", want: "<!-- my own marker -->"},
		{key: "a--b", wantErr: "not a one-line HTML comment"},
		{key: "x -->injected", wantErr: "use letters, digits"},
		{key: "<!-- open", wantErr: "not a one-line HTML comment"},
		{key: "<!-- a\nb -->", wantErr: "not a one-line HTML comment"},
		{key: "-lead", wantErr: "use letters, digits"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			got, err := forge.Marker(c.key)
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
