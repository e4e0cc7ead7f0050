package landlord

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A hold is recorded once per tenant, its reason updated in place, and
// lifted by DeleteHold, which says whether there was one.
func TestHolds(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	holds, err := s.Holds(ctx)
	require.NoError(t, err)
	assert.Empty(t, holds)
	require.NoError(t, s.PutHold(ctx, Hold{Tenant: "alpha", By: "ops", Reason: "data migration"}))
	require.NoError(t, s.PutHold(ctx, Hold{Tenant: "beta"}))
	first, err := s.Holds(ctx)
	require.NoError(t, err)
	require.NoError(t, s.PutHold(ctx, Hold{Tenant: "alpha", By: "ops", Reason: "still migrating"}))
	holds, err = s.Holds(ctx)
	require.NoError(t, err)
	require.Len(t, holds, 2)
	assert.Equal(t, "still migrating", holds["alpha"].Reason)
	assert.Equal(t, first["alpha"].Since, holds["alpha"].Since, "pausing again keeps when the hold began")
	assert.Equal(t, "", holds["beta"].Reason)
	had, err := s.DeleteHold(ctx, "alpha")
	require.NoError(t, err)
	assert.True(t, had)
	had, err = s.DeleteHold(ctx, "alpha")
	require.NoError(t, err)
	assert.False(t, had)
	holds, err = s.Holds(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"beta"}, keysOf(holds))
}

func keysOf(m map[string]Hold) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
