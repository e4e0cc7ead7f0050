package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/notify"
)

// hookSecret is part of the receiver's URL: it must never be logged.
const hookSecret = "T0KEN-e2e-s3cret"

// e2eHook is a webhook receiver started in the test.
type e2eHook struct {
	srv  *httptest.Server
	got  chan notify.Message
	seen []notify.Message // taken from got by await, not yet matched
}

func newE2EHook(t *testing.T) *e2eHook {
	h := &e2eHook{got: make(chan notify.Message, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m notify.Message
		if !strings.Contains(r.URL.Path, hookSecret) || json.NewDecoder(r.Body).Decode(&m) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.got <- m
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// await returns the first message (seen before or arriving within a
// minute) whose summary contains want.
func (h *e2eHook) await(t *testing.T, want string) notify.Message {
	t.Helper()
	for i, m := range h.seen {
		if strings.Contains(m.Summary, want) {
			h.seen = append(h.seen[:i], h.seen[i+1:]...)
			return m
		}
	}
	deadline := time.After(time.Minute)
	for {
		select {
		case m := <-h.got:
			if strings.Contains(m.Summary, want) {
				return m
			}
			h.seen = append(h.seen, m)
		case <-deadline:
			var got []string
			for _, m := range h.seen {
				got = append(got, m.Summary)
			}
			t.Fatalf("no notification %q; got %q", want, got)
		}
	}
}

// The real binary tells a webhook started in the test: strata run the end
// of a rollout, an invalid commit and its fix, drift made by hand; strata
// plan --notify a change awaiting approval; strata apply --notify its end.
// The webhook's URL (here a ${VAR:-default}) appears in no log line.
func TestNotifyE2E(t *testing.T) {
	hook := newE2EHook(t)
	c := newConfigRepo(t)
	yaml := fmt.Sprintf(`notify:
  - name: ops
    type: webhook
    url: ${STRATA_E2E_HOOK:-%s/hooks/%s}
    events: [tenant_failed, tenant_blocked, drift, rollout_finished, config_invalid]
    drift_severity: low
`, hook.srv.URL, hookSecret)
	base, err := os.ReadFile(c.dir + "/strata.yaml")
	require.NoError(t, err)
	c.write("strata.yaml", string(base)+yaml)
	c.tenant("a", "")
	c.tenant("b", "")
	c1 := c.commit("two tenants")
	bin := buildRunBinary(t)
	d := startDaemon(t, bin, c, "--notify-batch", "300ms", "--drift-interval", "2s")
	m := hook.await(t, "rollout of commit "+c1[:12]+" finished")
	assert.Contains(t, m.Text, "2 converged")

	c.write("tenants/b/tenant.yaml", "name: b\ntemplate: clubb\n")
	c2 := c.commit("a typo")
	m = hook.await(t, "config repo commit "+c2[:12]+" is invalid")
	assert.Contains(t, m.Text, `tenants/b/tenant.yaml:2:11: unknown template "clubb"`)
	c.tenant("b", "")
	c3 := c.commit("fixed")
	valid := hook.await(t, "config repo is valid again at commit "+c3[:12])

	_, err = c.db.Exec("ALTER TABLE `" + c.database("a") + "`.members ADD COLUMN nickname VARCHAR(20) NULL")
	require.NoError(t, err)
	m = hook.await(t, "tenant a drifted")
	assert.Contains(t, m.Text, "column members.nickname added")
	// The rollout's end is batched with the fix, with the drift, or alone.
	if done := "rollout of commit " + c3[:12] + " finished"; !strings.Contains(valid.Summary+m.Summary, done) {
		hook.await(t, done)
	}
	d.stop()
	assert.NotContains(t, d.log(), hookSecret)
	assert.Contains(t, d.log(), `"msg":"notification sent"`)

	// A restarted daemon reads the open problems from the landlord: the
	// drift and the rollout's end are not told again.
	d = startDaemon(t, bin, c, "--notify-batch", "300ms", "--drift-interval", "2s")
	waitFor(t, d, "a drift sweep", func() (bool, string) {
		return strings.Contains(d.log(), `"msg":"drift sweep done"`), "no sweep yet"
	})
	time.Sleep(time.Second) // a batch window and more
	select {
	case m := <-hook.got:
		t.Fatalf("told again after a restart: %q", m.Text)
	default:
	}
	d.stop()

	// CI: a plan that needs an approval, then an apply (the drift undone).
	_, err = c.db.Exec("ALTER TABLE `" + c.database("a") + "`.members DROP COLUMN nickname")
	require.NoError(t, err)
	c.write("templates/club/001_members.sql", "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n")
	code, stdout, stderr := runBin(t, "plan", "--repo", c.dir, "--notify")
	require.Equal(t, 2, code, "%s\n%s", stdout, stderr)
	m = hook.await(t, "2 tenants wait for an approval in Git: a, b")
	assert.Contains(t, m.Text, "  - a: waits for: DROP COLUMN members.name\n")
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	code, stdout, stderr = runBin(t, "apply", "--repo", c.dir, "--notify")
	require.Equal(t, 2, code, "%s\n%s", stdout, stderr)
	m = hook.await(t, "finished")
	assert.Contains(t, m.Summary, "2 tenants wait for an approval in Git")
	assert.Contains(t, m.Text, "strata apply: 2 blocked")
	assert.NotContains(t, stdout+stderr, hookSecret)
}
