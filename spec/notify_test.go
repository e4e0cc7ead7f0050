package spec

import (
	"reflect"
	"strings"
	"testing"
)

// TestNotifyReceivers: notify: is read with its ${VAR} references kept as
// written (a plan needs no webhook secret), defaults applied, and a
// receiver missing what its type needs is an error naming it.
func TestNotifyReceivers(t *testing.T) {
	base := readRepoCase(t, "testdata/base.txt")
	load := func(notify string) (*Fleet, error) {
		c := repoCase{files: map[string]string{"strata.yaml": base.files["strata.yaml"] + notify}}
		return Load(c.fsys(base), WithLookupEnv(base.lookupEnv))
	}
	fl, err := load(`notify:
  - name: oncall
    type: slack
    url: ${SLACK_URL_NOT_SET_HERE}
    events: [tenant_failed, drift]
    selector: { tier: gold }
  - name: mail
    type: email
    events: [config_invalid]
    drift_severity: medium
    smtp: { address: "smtp.example.org:587", password: "${SMTP_PASSWORD}", from: strata@example.org, to: [dba@example.org] }
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Receiver{
		{Name: "oncall", Type: ReceiverSlack, URL: "${SLACK_URL_NOT_SET_HERE}", Events: []string{"tenant_failed", "drift"},
			DriftSeverity: "high", Selector: map[string]string{"tier": "gold"}},
		{Name: "mail", Type: ReceiverEmail, Events: []string{"config_invalid"}, DriftSeverity: "medium",
			SMTP: SMTP{Address: "smtp.example.org:587", Password: "${SMTP_PASSWORD}", From: "strata@example.org", To: []string{"dba@example.org"}}},
	}
	if !reflect.DeepEqual(fl.Config.Notify, want) {
		t.Errorf("receivers\n%#v\nwant\n%#v", fl.Config.Notify, want)
	}

	for _, tt := range []struct{ name, notify, want string }{
		{"no url", "notify:\n  - {name: a, type: webhook, events: [drift]}\n", "notify.a: a webhook receiver needs a url"},
		{"no smtp", "notify:\n  - {name: a, type: email, events: [drift]}\n", "notify.a: an email receiver needs smtp"},
		{"twice", "notify:\n  - {name: a, type: slack, url: x, events: [drift]}\n  - {name: a, type: slack, url: y, events: [drift]}\n", `receiver "a" is listed twice`},
		{"bad ref", "notify:\n  - {name: a, type: slack, url: '${1X}', events: [drift]}\n", "notify.a.url: invalid environment reference ${1X}"},
		{"unknown event", "notify:\n  - {name: a, type: slack, url: x, events: [tenant_exploded]}\n", "tenant_exploded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.notify)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestExpandEnvNamesNoValue: an unset variable is named; a set one's value
// never appears in the error.
func TestExpandEnvNamesNoValue(t *testing.T) {
	lookup := func(k string) (string, bool) {
		if k == "SET" {
			return "https://hooks.example/SECRET", true
		}
		return "", false
	}
	got, err := ExpandEnv("${SET}", lookup)
	if err != nil || got != "https://hooks.example/SECRET" {
		t.Fatalf("ExpandEnv = %q, %v", got, err)
	}
	_, err = ExpandEnv("${SET}?x=${UNSET}", lookup)
	if err == nil || !strings.Contains(err.Error(), "UNSET is not set") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error %v", err)
	}
}
