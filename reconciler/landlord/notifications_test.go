package landlord

import (
	"context"
	"reflect"
	"testing"
)

// The open problems the notifier records survive in the landlord: put,
// changed, read back, deleted.
func TestNotifications(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutNotification(ctx, "tenant_failed/acme", "a"))
	must(s.PutNotification(ctx, "config_invalid/", "b"))
	must(s.PutNotification(ctx, "tenant_failed/acme", "c"))
	got, err := s.Notifications(ctx)
	must(err)
	if want := map[string]string{"tenant_failed/acme": "c", "config_invalid/": "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("notifications %v, want %v", got, want)
	}
	must(s.DeleteNotification(ctx, "tenant_failed/acme"))
	must(s.DeleteNotification(ctx, "tenant_failed/never"))
	got, err = s.Notifications(ctx)
	must(err)
	if want := map[string]string{"config_invalid/": "b"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after delete %v, want %v", got, want)
	}
}
