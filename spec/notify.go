package spec

import (
	"errors"
	"strings"
)

// ReceiverType is how a receiver is told.
type ReceiverType string

// Receiver types.
const (
	ReceiverWebhook ReceiverType = "webhook" // JSON POST
	ReceiverSlack   ReceiverType = "slack"   // Slack-compatible incoming webhook
	ReceiverEmail   ReceiverType = "email"   // mail over SMTP
)

// Receiver is one entry of notify: in strata.yaml. URL, header values and
// the SMTP username and password are kept as written, ${VAR} references
// unexpanded: they are secrets, read from the environment only when strata
// delivers (ExpandEnv), so a plan in CI does not need them and no Fleet
// value holds them.
type Receiver struct {
	Name          string
	Type          ReceiverType
	URL           string
	Headers       map[string]string
	Events        []string          // tenant_failed, tenant_blocked, drift, rollout_finished, rollout_halted, config_invalid
	DriftSeverity string            // least drift severity told: low, medium, high (default) or critical
	Selector      map[string]string // tenant events only for tenants whose labels hold every pair
	SMTP          SMTP              // type email
}

// SMTP is an email receiver's mail server and addresses.
type SMTP struct {
	Address  string // host:port
	Username string
	Password string
	From     string
	To       []string
}

// ExpandEnv replaces ${VAR} and ${VAR:-default} in s with values from
// lookup, as strata.yaml's DSNs are expanded. The error names the
// variables that are not set, never a value.
func ExpandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	out, problems := expandEnv(s, lookup)
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// receivers checks notify: and returns it. References to the environment
// are checked for their form only: their values are read when delivering.
func (l *loader) receivers(d *doc, raw []rawReceiver) []Receiver {
	var out []Receiver
	seen := map[string]bool{}
	anyVar := func(string) (string, bool) { return "x", true }
	for i, r := range raw {
		if seen[r.Name] {
			l.ds.at(d.pos("notify", i, "name"), "give each receiver its own name", "notify: receiver %q is listed twice", r.Name)
		}
		seen[r.Name] = true
		rc := Receiver{Name: r.Name, Type: ReceiverType(r.Type), URL: r.URL, Headers: r.Headers,
			Events: r.Events, DriftSeverity: r.DriftSeverity, Selector: r.Selector}
		refs := map[string]string{"url": r.URL}
		for k, v := range r.Headers {
			refs["headers."+k] = v
		}
		switch rc.Type {
		case ReceiverWebhook, ReceiverSlack:
			if r.URL == "" {
				l.ds.at(d.pos("notify", i), "add url: ${VARIABLE} naming the environment variable that holds the webhook URL",
					"notify.%s: a %s receiver needs a url", r.Name, r.Type)
			}
		case ReceiverEmail:
			if r.SMTP == nil {
				l.ds.at(d.pos("notify", i), "add smtp: {address: host:587, from: ..., to: [...]}",
					"notify.%s: an email receiver needs smtp", r.Name)
				break
			}
			rc.SMTP = SMTP{Address: r.SMTP.Address, Username: r.SMTP.Username, Password: r.SMTP.Password, From: r.SMTP.From, To: r.SMTP.To}
			refs["smtp.address"], refs["smtp.username"], refs["smtp.password"] = r.SMTP.Address, r.SMTP.Username, r.SMTP.Password
		}
		for key, v := range refs {
			_, problems := expandEnv(v, anyVar)
			for _, p := range problems {
				l.ds.at(d.pos("notify", i), "write ${NAME} or ${NAME:-default}", "notify.%s.%s: %s", r.Name, key, p)
			}
		}
		out = append(out, rc)
	}
	return out
}
