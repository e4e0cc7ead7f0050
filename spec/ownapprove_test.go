package spec

import (
	"slices"
	"testing"
)

// TestOwnApprove: Approve merges every file's approvals; OwnApprove keeps
// only the tenant.yaml's, which alone may approve dropping its database
// (DROP DATABASE elsewhere is an error: testdata/errors/approvals.txt).
func TestOwnApprove(t *testing.T) {
	fs := moduleRepo(map[string][]string{"m": nil}, nil, []string{"m"}, false)
	fs["strata.yaml"].Data = append(fs["strata.yaml"].Data, []byte("approve: {destructive: [\"DROP TABLE c\"]}\n")...)
	f, err := Load(fs)
	if err != nil {
		t.Fatal(err)
	}
	tn := f.Tenant("t")
	if want := []string{"DROP TABLE a", "DROP TABLE b", "DROP TABLE c"}; !slices.Equal(tn.Approve.Destructive, want) {
		t.Errorf("Approve = %v, want %v", tn.Approve.Destructive, want)
	}
	if want := []string{"DROP TABLE a", "DROP TABLE b"}; !slices.Equal(tn.OwnApprove.Destructive, want) {
		t.Errorf("OwnApprove = %v, want the tenant.yaml's only %v", tn.OwnApprove.Destructive, want)
	}
}
