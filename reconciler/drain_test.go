package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// TestDrainBounded: a statement still waiting when strata is asked to stop
// (a metadata lock held by an app transaction, or a hung server) gets
// drainTimeout more, then strata gives up on it: recorded interrupted (it
// may yet take effect) and the tenant interrupted, so a SIGTERM drain ends.
func TestDrainBounded(t *testing.T) {
	f := newFixture(t)
	f.fleet.Config.Apply.LockWaitTimeout = time.Minute // the statement waits past drainTimeout
	basic := layer(spec.LayerBasic, "basic", basicSQL, nil)
	tn := f.tenant("slow", basic)
	f.apply(Options{})
	conn, err := f.db.Conn(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"BEGIN", "SELECT * FROM `" + tn.Database + "`.members"} {
		if _, err := conn.ExecContext(f.ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	defer conn.ExecContext(f.ctx, "ROLLBACK")
	tn.Layers = []*spec.Layer{layer(spec.LayerBasic, "basic", map[string]string{
		"basic/01_members.sql":  strings.Replace(basicSQL["basic/01_members.sql"], "  PRIMARY KEY", "  nick VARCHAR(50) NULL,\n  PRIMARY KEY", 1),
		"basic/02_settings.sql": basicSQL["basic/02_settings.sql"],
	}, nil)}
	defer func(d time.Duration) { drainTimeout = d }(drainTimeout)
	drainTimeout = time.Second

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	done := make(chan *Result, 1)
	go func() {
		res, err := f.reconciler(Options{}).Apply(ctx, nil)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		done <- res
	}()
	waitFor(t, "ALTER TABLE waiting for the metadata lock", func() bool {
		return f.count("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'ALTER TABLE%' AND state LIKE '%metadata lock%'") > 0
	})
	cancel()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the drain waited on the blocked statement past drainTimeout")
	}
	tr := f.result(res, "slow")
	if tr.Outcome != OutcomeInterrupted || len(tr.Statements) != 1 || tr.Statements[0].Outcome != landlord.StatementInterrupted {
		t.Fatalf("outcome %s (%s), statements %+v; want interrupted with the statement interrupted", tr.Outcome, tr.Error, tr.Statements)
	}
}
