package fingerprint

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
)

// tenantDDL is a 10-table tenant schema like the example fleet's basic +
// ngo layers: indexes, foreign keys and a check on most tables.
var tenantDDL = []string{
	"CREATE TABLE members (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, email VARCHAR(191) NOT NULL, name VARCHAR(100) NOT NULL, phone VARCHAR(30) NULL, status ENUM('active','inactive') NOT NULL DEFAULT 'active', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE KEY uq_email (email), KEY idx_name (name))",
	"CREATE TABLE `groups` (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL, description TEXT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
	"CREATE TABLE memberships (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id INT UNSIGNED NOT NULL, group_id INT UNSIGNED NOT NULL, role VARCHAR(20) NOT NULL DEFAULT 'member', UNIQUE KEY uq_member_group (member_id, group_id), CONSTRAINT fk_ms_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE, CONSTRAINT fk_ms_group FOREIGN KEY (group_id) REFERENCES `groups` (id) ON DELETE CASCADE)",
	"CREATE TABLE donations (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id INT UNSIGNED NULL, amount DECIMAL(10,2) NOT NULL, currency CHAR(3) NOT NULL DEFAULT 'EUR', donated_at DATETIME NOT NULL, KEY idx_donated (donated_at), CONSTRAINT fk_don_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE SET NULL, CONSTRAINT chk_amount CHECK (amount > 0))",
	"CREATE TABLE campaigns (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, goal DECIMAL(12,2) NULL, starts_on DATE NOT NULL, ends_on DATE NULL, KEY idx_starts (starts_on))",
	"CREATE TABLE campaign_donations (campaign_id INT UNSIGNED NOT NULL, donation_id INT UNSIGNED NOT NULL, PRIMARY KEY (campaign_id, donation_id), CONSTRAINT fk_cd_campaign FOREIGN KEY (campaign_id) REFERENCES campaigns (id), CONSTRAINT fk_cd_donation FOREIGN KEY (donation_id) REFERENCES donations (id))",
	"CREATE TABLE events (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, title VARCHAR(150) NOT NULL, location VARCHAR(150) NULL, starts_at DATETIME NOT NULL, capacity INT UNSIGNED NULL, KEY idx_event_start (starts_at))",
	"CREATE TABLE attendees (event_id INT UNSIGNED NOT NULL, member_id INT UNSIGNED NOT NULL, registered_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (event_id, member_id), CONSTRAINT fk_att_event FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE, CONSTRAINT fk_att_member FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE)",
	"CREATE TABLE settings (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NULL, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
	"CREATE TABLE audit_log (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, member_id INT UNSIGNED NULL, action VARCHAR(50) NOT NULL, detail JSON NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, KEY idx_audit_member (member_id), KEY idx_audit_created (created_at))",
}

// fleet creates tenant schemas prefix0000.. up to n (keeping those made
// before) with 4 connections at a time, and returns their names.
func fleet(b *testing.B, db *sql.DB, prefix string, have, n int) []string {
	b.Helper()
	ctx := context.Background()
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := have; i < n; i++ {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- createTenant(ctx, db, fmt.Sprintf("%s%04d", prefix, i))
		}()
	}
	for i := have; i < n; i++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return names
}

func createTenant(ctx context.Context, db *sql.DB, name string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	stmts := append([]string{
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
		"USE `" + name + "`",
	}, tenantDDL...)
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %s: %w", name, s, err)
		}
	}
	return nil
}

// BenchmarkSchemas measures the bulk pass over a server holding 100, then
// 1,000 ten-table tenant schemas. Schema creation is outside the timings.
//
//	go test -run '^$' -bench Schemas -benchtime 10x ./layers/fingerprint/
func BenchmarkSchemas(b *testing.B) {
	db := dbtest.Open(b)
	db.SetMaxOpenConns(8)
	prefix := dbtest.Name("fpb") + "_"
	b.Cleanup(func() { dbtest.DropDatabases(b, db, prefix) })
	ctx := context.Background()

	have := 0
	for _, n := range []int{100, 1000} {
		names := fleet(b, db, prefix, have, n)
		have = n
		// One untimed pass, so the first variant does not pay for reading
		// the new schemas' table definitions from disk.
		if _, err := Schemas(ctx, db, names); err != nil {
			b.Fatal(err)
		}
		variants := []struct {
			name string
			run  func() (map[string]string, error)
		}{
			{"api", func() (map[string]string, error) { return Schemas(ctx, db, names) }},
			{"in-all-serial", func() (map[string]string, error) {
				out := map[string]string{}
				return out, pass(ctx, db, inFilter(names), 1, out)
			}},
			{"in-only", func() (map[string]string, error) {
				out := map[string]string{}
				return out, pass(ctx, db, filter{in: names}, allAtOnce, out)
			}},
			{"in-batch-100", func() (map[string]string, error) {
				out := map[string]string{}
				for i := 0; i < len(names); i += 100 {
					if err := pass(ctx, db, inFilter(names[i:min(i+100, len(names))]), allAtOnce, out); err != nil {
						return nil, err
					}
				}
				return out, nil
			}},
			{"like-prefix", func() (map[string]string, error) { return Prefix(ctx, db, prefix) }},
		}
		for _, v := range variants {
			b.Run(fmt.Sprintf("n=%d/%s", n, v.name), func(b *testing.B) {
				for b.Loop() {
					got, err := v.run()
					if err != nil {
						b.Fatal(err)
					}
					if len(got) != n {
						b.Fatalf("got %d fingerprints, want %d", len(got), n)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/schema")
			})
		}
	}
}
