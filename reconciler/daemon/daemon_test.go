package daemon

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{in: "", want: Shard{}},
		{in: "0/1", want: Shard{0, 1}},
		{in: "2/3", want: Shard{2, 3}},
		{in: "3/3", wantErr: true},
		{in: "-1/3", wantErr: true},
		{in: "1/0", wantErr: true},
		{in: "1", wantErr: true},
		{in: "a/b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "--shard 0/3")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// Every tenant belongs to exactly one shard, the split is not lopsided, and
// the hash is the documented FNV-1a (replicas of different builds agree).
func TestShardOwnsPartition(t *testing.T) {
	const n = 3
	per := make([]int, n)
	for i := range 300 {
		name := fmt.Sprintf("tenant-%d", i)
		owners := 0
		for s := range n {
			if (Shard{s, n}).Owns(name) {
				owners++
				per[s]++
			}
		}
		require.Equal(t, 1, owners, name)
		assert.True(t, Shard{}.Owns(name))
	}
	for s, c := range per {
		assert.Greater(t, c, 60, "shard %d owns only %d of 300", s, c)
	}
	// FNV-1a 32 of "acme" is 0x4a5b0c2e... computed independently below.
	h := uint32(2166136261)
	for _, c := range []byte("acme") {
		h ^= uint32(c)
		h *= 16777619
	}
	assert.True(t, (Shard{int(h % 7), 7}).Owns("acme"))
}

// The class comes from the outcome and the error's type; the message says
// nothing (the same text is transient, stalled or waiting by its type alone).
func TestClassify(t *testing.T) {
	failed := func(err error) reconciler.TenantResult {
		return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: fmt.Sprint(err), Err: err}
	}
	msg := errors.New("tenants/acme/001_x.sql:3: Error 1213 (40001): Deadlock found (fix this statement of the layer)")
	tests := []struct {
		name string
		in   reconciler.TenantResult
		want Class
	}{
		{"converged", reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}, ClassOK},
		{"suspended", reconciler.TenantResult{Outcome: reconciler.OutcomeSuspended}, ClassOK},
		{"decommissioned", reconciler.TenantResult{Outcome: reconciler.OutcomeDecommissioned}, ClassOK},
		{"blocked", reconciler.TenantResult{Outcome: reconciler.OutcomeBlocked}, ClassBlocked},
		{"locked", reconciler.TenantResult{Outcome: reconciler.OutcomeLocked}, ClassLocked},
		{"drift under report", reconciler.TenantResult{Outcome: reconciler.OutcomeDrifted, Error: "drifted: strategy report repairs nothing"}, ClassWaiting},
		{"stalled", failed(reconciler.Stalled(msg)), ClassStalled},
		{"stalled, wrapped", failed(fmt.Errorf("statement 1 of 2 failed: %w", reconciler.Stalled(msg))), ClassStalled},
		{"transient", failed(reconciler.Transient(msg)), ClassTransient},
		{"waiting", failed(reconciler.Waiting("drifted: strategy report repairs nothing")), ClassWaiting},
		{"untyped text of a layer error", failed(msg), ClassTransient},
		{"no error value", reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: "verify: still differs"}, ClassTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Classify(tt.in))
		})
	}
}

func TestBackoff(t *testing.T) {
	base, max := 100*time.Millisecond, 2*time.Second
	tests := []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{10, time.Second, 2 * time.Second},
		{1000, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			got := backoff(tt.n, base, max)
			require.GreaterOrEqual(t, got, tt.lo, "retry %d", tt.n)
			require.LessOrEqual(t, got, tt.hi, "retry %d", tt.n)
		}
	}
}

func TestJitter(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		j := jitter(time.Second)
		require.GreaterOrEqual(t, j, 900*time.Millisecond)
		require.LessOrEqual(t, j, 1100*time.Millisecond)
		seen[j] = true
	}
	assert.Greater(t, len(seen), 10, "jitter does not vary")
}
