package landlord

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// TestRecordDriftConcurrently: a sweep records many tenants' drift at once;
// no detection may fail on a lock conflict with another tenant's (InnoDB's
// gap locks on the open-detection update used to deadlock them).
func TestRecordDriftConcurrently(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	const tenants, rounds = 8, 5
	for i := 0; i < tenants; i++ {
		if err := s.PutTenant(ctx, Tenant{Name: fmt.Sprintf("t%02d", i), Database: fmt.Sprintf("db%02d", i), Server: "main", Status: StatusActive}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, tenants)
	for i := 0; i < tenants; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds && errs[i] == nil; r++ {
				_, errs[i] = s.RecordDrift(ctx, Detection{
					Tenant: fmt.Sprintf("t%02d", i), Severity: "medium", Score: 5, LiveFingerprint: "f", DDL: "CREATE TABLE x (id INT)",
					Differences: []DriftDifference{{Change: "added", Object: "column x.y"}},
				})
			}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("tenant t%02d: %v", i, err)
		}
	}
	counts, err := s.DriftCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["medium"] != tenants {
		t.Errorf("open drift by severity = %v, want %d medium (one open detection per tenant)", counts, tenants)
	}
}
