package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/reconciler/rollout"
)

// step advances the rollout, then runs one round.
func (h *harness) step() []string {
	h.d.advance(context.Background())
	return h.round()
}

// A commit rolls out wave by wave: wave 1 waits for wave 0; a stalled
// tenant of wave 1 halts the rollout and wave 2 is never applied (status,
// metric and OnRollout say so); a new commit starts again from wave 0 and
// finishes.
func TestLoopWavesHaltAndNewCommitResumes(t *testing.T) {
	var events []rollout.Event
	h := newHarness(t, Options{Concurrency: 8, OnRollout: func(ev rollout.Event) { events = append(events, ev) }})
	h.tenant("a", "wave: 0\n")
	h.tenant("b", "wave: 1\n")
	h.tenant("c", "wave: 1\n")
	h.tenant("d", "wave: 2\n")
	broken := true
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		if name == "b" && broken {
			err := reconciler.Stalled(errors.New("Error 1062: Duplicate entry 'x' for key 'users_email'"))
			return reconciler.TenantResult{Outcome: reconciler.OutcomeFailed, Error: err.Error(), Err: err}
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a"}, h.step(), "wave 0 alone")
	assert.ElementsMatch(t, []string{"b", "c"}, h.step(), "then wave 1")
	assert.Empty(t, h.step(), "wave 2 waits: the rollout halted")
	h.d.advance(context.Background())
	ro := h.d.Status().Rollout
	require.NotNil(t, ro)
	assert.Equal(t, landlord.RolloutHalted, ro.Status)
	assert.Equal(t, 1, ro.Wave)
	assert.Contains(t, ro.Reason, "b (Error 1062")
	assert.Equal(t, 1.0, value(h.d.m.RolloutHalted))
	require.NotEmpty(t, events)
	assert.Equal(t, rollout.Halted, events[len(events)-1].Kind)

	// The drift sweep retries the stalled tenant; still failing, still halted.
	h.d.startSweep(context.Background(), make(chan error, 1))
	assert.Equal(t, []string{"b"}, h.step())
	assert.Empty(t, h.step())

	broken = false
	h.write("basic/002_b.sql", "CREATE TABLE b (id INT PRIMARY KEY);\n")
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a"}, h.step(), "a new commit starts from wave 0")
	assert.Equal(t, 0.0, value(h.d.m.RolloutHalted))
	assert.ElementsMatch(t, []string{"b", "c"}, h.step())
	assert.Equal(t, []string{"d"}, h.step())
	h.d.advance(context.Background())
	assert.Equal(t, landlord.RolloutFinished, h.d.Status().Rollout.Status)
	assert.Equal(t, rollout.Finished, events[len(events)-1].Kind)
}

// A wave that changed a tenant bakes for rollout.bake before the next
// starts; nextWake wakes the loop when it ends. --all-waves ignores both.
func TestLoopWavesBake(t *testing.T) {
	h := newHarness(t, Options{Concurrency: 8})
	h.write("strata.yaml", "servers:\n  main:\n    dsn: \"root@tcp(127.0.0.1:1)/\"\ndefaults: { server: main }\nrollout: { bake: 1m }\n")
	h.tenant("a", "wave: 0\n")
	h.tenant("b", "wave: 1\n")
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged, Statements: []landlord.StatementRecord{{Seq: 1, Outcome: landlord.StatementApplied}}}
	})
	h.d.sync(context.Background())
	assert.Equal(t, []string{"a"}, h.step())
	assert.Empty(t, h.step(), "wave 0 bakes")
	wake, ok := h.d.nextWake()
	require.True(t, ok)
	assert.Equal(t, time.Minute, wake)
	h.clock.Advance(time.Minute)
	assert.Equal(t, []string{"b"}, h.step())

	all := newHarness(t, Options{Concurrency: 8, AllWaves: true})
	all.write("strata.yaml", "servers:\n  main:\n    dsn: \"root@tcp(127.0.0.1:1)/\"\ndefaults: { server: main }\nrollout: { bake: 1m }\n")
	all.tenant("a", "wave: 0\n")
	all.tenant("b", "wave: 1\n")
	all.d.sync(context.Background())
	assert.ElementsMatch(t, []string{"a", "b"}, all.step(), "--all-waves: every wave at once")
}

// A halted rollout is told to the notify: receivers that ask for
// rollout_halted, with the wave and the failed tenant; the rollout of a
// fixed commit tells it resolved.
func TestNotifyRolloutHalted(t *testing.T) {
	hk := newHook(t)
	h := notifyHarness(t, hk)
	h.write("strata.yaml", strings.Replace(notifyConfig, "events: [tenant_failed, tenant_blocked, drift, rollout_finished, rollout_halted, config_invalid]", "events: [rollout_halted]", 1))
	h.tenant("a", "wave: 0\nlabels: {tier: gold}\n")
	h.tenant("b", "wave: 1\nlabels: {tier: gold}\n")
	h.tenant("c", "wave: 2\nlabels: {tier: gold}\n")
	broken := true
	h.setScript(func(_ context.Context, name string) reconciler.TenantResult {
		if name == "b" && broken {
			return failed(reconciler.Stalled(errors.New("Error 1062: Duplicate entry")))
		}
		return reconciler.TenantResult{Outcome: reconciler.OutcomeConverged}
	})
	h.d.sync(context.Background())
	for range 4 {
		h.step()
	}
	m := hk.message(t)
	assert.Contains(t, m.Summary, "halted")
	assert.Contains(t, m.Text, "wave 1")
	assert.Contains(t, m.Text, "b (Error 1062")

	broken = false
	h.write("basic/002_b.sql", "CREATE TABLE b (id INT PRIMARY KEY);\n")
	h.d.sync(context.Background())
	for range 4 {
		h.step()
	}
	assert.Contains(t, hk.message(t).Summary, "no longer halted")
}
