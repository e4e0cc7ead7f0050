package dbtest

import (
	"context"
	"testing"
)

// TestDropUsers creates users with a unique prefix and checks DropUsers
// removes them all.
func TestDropUsers(t *testing.T) {
	db := Open(t)
	ctx := context.Background()
	prefix := Name("dbt_")
	for _, u := range []string{prefix + "a", prefix + "b'q"} {
		if _, err := db.ExecContext(ctx, "CREATE USER "+quoteString(u)+"@'%' IDENTIFIED BY 'x'"); err != nil {
			t.Fatal(err)
		}
	}
	DropUsers(t, db, prefix)
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE user LIKE CONCAT(?, '%')", prefix).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d users with prefix %s left after DropUsers", n, prefix)
	}
}
