package reconciler

import (
	"strings"
	"testing"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/spec"
)

// TestServers: tenants on two servers are applied with one worker per
// server; a tenant on a server strata.yaml does not name fails alone.
func TestServers(t *testing.T) {
	f := newFixture(t)
	f.fleet.Config.Servers["eu"] = spec.Server{Name: "eu", DSN: dbtest.DSN(t)}
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	for _, n := range []string{"m1", "m2"} {
		f.tenant(n, basic)
	}
	for _, n := range []string{"e1", "e2"} {
		f.tenant(n, basic).Server = "eu"
	}
	f.tenant("lost", basic).Server = "nowhere"
	res := f.apply(Options{Concurrency: 1})
	for _, tr := range res.Tenants {
		switch {
		case tr.Name == "lost":
			if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, `server "nowhere"`) {
				t.Errorf("lost: %s %q", tr.Outcome, tr.Error)
			}
		case tr.Outcome != OutcomeConverged:
			t.Errorf("%s on %s: %s %s", tr.Name, tr.Server, tr.Outcome, tr.Error)
		}
	}
	if rec, err := f.store().Tenant(f.ctx, "lost"); err != nil || rec.Status != "failed" {
		t.Errorf("lost record = %+v, %v", rec, err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		fleet   *spec.Fleet
		want    string
		notWant string
	}{
		{"no servers", &spec.Fleet{}, "names no servers", ""},
		{"bad dsn", &spec.Fleet{Config: spec.Config{
			Servers:  map[string]spec.Server{"main": {Name: "main", DSN: "root:hunter2@tcp(oops"}},
			Defaults: spec.Defaults{Server: "main"},
		}}, "server main: its dsn is not a valid", "hunter2"},
		{"dev server unknown", &spec.Fleet{Config: spec.Config{
			Servers:  map[string]spec.Server{"main": {Name: "main", DSN: "root:@tcp(127.0.0.1:3306)/"}},
			Defaults: spec.Defaults{Server: "main"},
			Dev:      spec.Dev{Server: "dev"},
		}}, `dev server: reconciler: server "dev"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.fleet, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.notWant != "" && strings.Contains(err.Error(), tt.notWant)) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestProvisionFailureRollsBack: when provisioning fails half way (here the
// landlord cannot store the credentials), what this run created is dropped
// and the tenant is recorded failed; the next run provisions it.
func TestProvisionFailureRollsBack(t *testing.T) {
	f := newFixture(t)
	tn := f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	ll := "`" + f.fleet.Config.Landlord.Database + "`"
	if _, err := f.reconciler(Options{}).Landlord(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.exec("CREATE TRIGGER " + ll + ".no_credentials BEFORE INSERT ON " + ll + ".credentials FOR EACH ROW " +
		"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'credentials are read-only in this test'")
	tr := f.result(f.apply(Options{}), "acme")
	f.exec("DROP TRIGGER " + ll + ".no_credentials")
	if tr.Outcome != OutcomeFailed || !strings.Contains(tr.Error, "credential") {
		t.Fatalf("outcome %s error %q, want failed storing credentials", tr.Outcome, tr.Error)
	}
	if n := f.count("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", tn.Database); n != 0 {
		t.Error("the half-provisioned database was left behind")
	}
	if n := f.count("SELECT COUNT(*) FROM mysql.user WHERE user LIKE ?", tn.Database+"%"); n != 0 {
		t.Errorf("%d half-provisioned users left behind", n)
	}
	if rec, err := f.store().Tenant(f.ctx, "acme"); err != nil || rec.Status != "failed" || rec.LastError == "" {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	if tr := f.result(f.apply(Options{}), "acme"); tr.Outcome != OutcomeConverged || !tr.Provisioned {
		t.Fatalf("next run: %+v", tr)
	}
}
