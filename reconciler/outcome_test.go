package reconciler

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/secret"
	"github.com/stratadb/strata/spec"
)

// TestClassify: a failure's kind comes from its type, never its text.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"deadlock", fmt.Errorf("statement 1: %w", &mysql.MySQLError{Number: 1213}), KindTransient},
		{"lock wait", &mysql.MySQLError{Number: 1205}, KindTransient},
		{"server gone", mysql.ErrInvalidConn, KindTransient},
		{"syntax", &mysql.MySQLError{Number: 1064, Message: "lock wait timeout in the text"}, KindStalled},
		{"no key", fmt.Errorf("provision: %w", secret.ErrNoKey), KindStalled},
		{"wrong key", fmt.Errorf("password: %w", secret.ErrWrongKey), KindStalled},
		{"waiting stays waiting", Waiting("DROP COLUMN a.b awaits approval"), KindWaiting},
		{"typed wins over the number", Stalled(&mysql.MySQLError{Number: 1213}), KindStalled},
		{"unforeseen", errors.New("connection refused, says the text"), KindTransient},
	}
	for _, tt := range tests {
		if got := KindOf(classified(tt.err)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestOutcomeKinds: each unfinished tenant carries the kind of what it
// waits for in TenantResult.Err, decided where it happened.
func TestOutcomeKinds(t *testing.T) {
	f := newFixture(t)
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	f.tenant("ok", basic)
	bad := f.tenant("badlayer", basic, layer(spec.LayerCustom, "badlayer", map[string]string{"tenants/badlayer/01.sql": "CREATE TABLE x (id INT, id INT);\n"}, nil))
	blocked := f.tenant("blocked", basic)
	drifted := f.tenant("drifted", basic)
	nokey := f.tenant("nokey", basic)
	nokey.Status = spec.StatusSuspended // not provisioned by the first apply
	bad.Layers = bad.Layers[:1]
	if res := f.apply(Options{SecretKey: f.key}); res.ExitCode() != 0 {
		t.Fatalf("first apply: %+v", res.Tenants)
	}
	bad.Layers = append(bad.Layers, layer(spec.LayerCustom, "badlayer", map[string]string{"tenants/badlayer/01.sql": "CREATE TABLE x (id INT, id INT);\n"}, nil))
	// members loses its email column: DROP COLUMN members.email awaits approval.
	blocked.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01_members.sql":  "CREATE TABLE members (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));\n",
		"basic/02_settings.sql": basicSQL["basic/02_settings.sql"],
	}, nil)}
	f.exec("ALTER TABLE `" + drifted.Database + "`.settings DROP v")

	res := f.apply(Options{})

	want := map[string]struct {
		outcome Outcome
		kind    Kind
	}{
		"ok":       {OutcomeConverged, ""},
		"badlayer": {OutcomeFailed, KindStalled},
		"blocked":  {OutcomeBlocked, KindWaiting},
		"drifted":  {OutcomeDrifted, KindWaiting},
	}
	for name, w := range want {
		tr := f.result(res, name)
		if tr.Outcome != w.outcome {
			t.Errorf("%s: outcome %s (%s), want %s", name, tr.Outcome, tr.Error, w.outcome)
			continue
		}
		if w.kind == "" {
			if tr.Err != nil {
				t.Errorf("%s: Err %v on a converged tenant", name, tr.Err)
			}
			continue
		}
		if tr.Err == nil || KindOf(tr.Err) != w.kind {
			t.Errorf("%s: Err %v (kind %s), want %s", name, tr.Err, KindOf(tr.Err), w.kind)
		}
	}
	nokey.Status = spec.StatusActive
	if tr := f.result(f.apply(Options{SecretKey: []byte{}}), "nokey"); tr.Outcome != OutcomeFailed || KindOf(tr.Err) != KindStalled {
		t.Errorf("nokey: %s, Err %v (kind %s), want failed, stalled", tr.Outcome, tr.Err, KindOf(tr.Err))
	}
}

// TestInterruptedBeforeLock: a tenant strata was asked to stop before it
// took its lock is interrupted (transient) and nothing is recorded: no run,
// no tenant record with an empty status.
func TestInterruptedBeforeLock(t *testing.T) {
	f := newFixture(t)
	f.tenant("acme", layer(spec.LayerBasic, "basic", basicSQL, nil))
	pass, err := f.reconciler(Options{}).Prepare(f.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	tr, _, err := pass.Apply(ctx, "acme")
	if err != nil || tr.Outcome != OutcomeInterrupted || !errors.Is(tr.Err, ErrInterrupted) || KindOf(tr.Err) != KindTransient {
		t.Fatalf("%+v %v, want interrupted (transient)", tr, err)
	}
	if _, err := f.store().Tenant(f.ctx, "acme"); !landlord.IsNotFound(err) {
		t.Fatalf("tenant record: %v, want none", err)
	}
	if runs, err := f.store().History(f.ctx, "acme", 10); err != nil || len(runs) != 0 {
		t.Fatalf("runs %+v %v, want none", runs, err)
	}
}
