package notify

import (
	"fmt"
	"slices"

	"github.com/stratadb/strata/planner/drift"
	"github.com/stratadb/strata/spec"
)

// target is a receiver with its secrets read from the environment. Its
// fields are never logged: errors name the receiver, not its address.
type target struct {
	spec.Receiver // URL, header values and SMTP credentials expanded
	events        map[Kind]bool
	minSeverity   drift.Severity
}

// resolve expands r's ${VAR} references with lookup. The error names the
// receiver and the variables, never a value.
func resolve(r spec.Receiver, lookup func(string) (string, bool)) (*target, error) {
	t := &target{Receiver: r, events: map[Kind]bool{}, minSeverity: drift.Severity(r.DriftSeverity)}
	if t.minSeverity == "" {
		t.minSeverity = drift.High
	}
	for _, e := range r.Events {
		t.events[Kind(e)] = true
	}
	expand := func(field string, s *string) error {
		v, err := spec.ExpandEnv(*s, lookup)
		if err != nil {
			return fmt.Errorf("notify: receiver %s: %s: %w", r.Name, field, err)
		}
		*s = v
		return nil
	}
	if err := expand("url", &t.URL); err != nil {
		return nil, err
	}
	if len(r.Headers) > 0 {
		t.Headers = make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			if err := expand("headers."+k, &v); err != nil {
				return nil, err
			}
			t.Headers[k] = v
		}
	}
	t.SMTP.To = slices.Clone(r.SMTP.To)
	for _, f := range []struct {
		name string
		s    *string
	}{{"smtp.address", &t.SMTP.Address}, {"smtp.username", &t.SMTP.Username}, {"smtp.password", &t.SMTP.Password}} {
		if err := expand(f.name, f.s); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// wants reports whether the receiver asked for ev.
func (t *target) wants(ev Event) bool {
	if !t.events[ev.Kind] {
		return false
	}
	if ev.Kind == Drift && rank(ev.Severity) < rank(t.minSeverity) {
		return false
	}
	if ev.Tenant != "" {
		for k, v := range t.Selector {
			if got, ok := ev.Labels[k]; !ok || got != v {
				return false
			}
		}
	}
	return true
}

// secrets returns the receiver's secret values, to scrub from error text.
func (t *target) secrets() []string {
	var out []string
	for _, s := range []string{t.URL, t.SMTP.Password, t.SMTP.Username} {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, v := range t.Headers {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
