package notify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratadb/strata/spec/source"
)

// Message is one delivery: every event a receiver got within a batch window.
// A webhook receives it as JSON.
type Message struct {
	Summary string  `json:"summary"` // one line: "strata: 37 tenants failed: a, b, c, ... (+34)"
	Text    string  `json:"text"`    // the summary, then a line per event (at most maxLines per group)
	Events  []Event `json:"events"`
}

const (
	maxNames  = 5   // tenant names in a summary line, per group
	maxLines  = 20  // event lines in Text, per group
	maxDetail = 300 // characters of an event's detail in Text
)

// compose makes one message of a batch, grouped by kind, problems before
// resolutions.
func compose(events []Event) Message {
	type group struct {
		kind     Kind
		resolved bool
	}
	by := map[group][]Event{}
	events = slices.Clone(events)
	slices.SortStableFunc(events, func(a, b Event) int { return strings.Compare(a.Tenant, b.Tenant) })
	for _, ev := range events {
		g := group{ev.Kind, ev.Resolved}
		by[g] = append(by[g], ev)
	}
	var heads, bodies []string
	for _, resolved := range []bool{false, true} {
		for _, k := range Kinds {
			evs := by[group{k, resolved}]
			if len(evs) == 0 {
				continue
			}
			heads = append(heads, headline(k, resolved, evs))
			var body strings.Builder
			for i, ev := range evs {
				if i == maxLines {
					fmt.Fprintf(&body, "  ... and %d more\n", len(evs)-maxLines)
					break
				}
				body.WriteString("  - " + line(ev) + "\n")
			}
			bodies = append(bodies, body.String())
		}
	}
	summary := "strata: " + strings.Join(heads, "; ")
	text := summary + "\n" + bodies[0]
	if len(bodies) > 1 { // each group under its own headline
		text = summary + "\n"
		for i := range bodies {
			text += "\n" + heads[i] + "\n" + bodies[i]
		}
	}
	return Message{Summary: summary, Text: text, Events: events}
}

// headline is one group's line: a count and the first names for tenant
// events, the commit for fleet events.
func headline(k Kind, resolved bool, evs []Event) string {
	n, commit := len(evs), short(evs[len(evs)-1].Commit)
	tenants := func(one, many string) string {
		if n == 1 {
			return fmt.Sprintf("tenant %s %s", evs[0].Tenant, one)
		}
		names := make([]string, 0, maxNames)
		for _, ev := range evs[:min(n, maxNames)] {
			names = append(names, ev.Tenant)
		}
		s := fmt.Sprintf("%d tenants %s: %s", n, many, strings.Join(names, ", "))
		if n > maxNames {
			s += fmt.Sprintf(", ... (+%d)", n-maxNames)
		}
		return s
	}
	switch {
	case k == TenantFailed && !resolved:
		return tenants("failed", "failed")
	case k == TenantFailed:
		return tenants("recovered", "recovered")
	case k == TenantBlocked && !resolved:
		return tenants("waits for an approval in Git", "wait for an approval in Git")
	case k == TenantBlocked:
		return tenants("no longer waits for an approval", "no longer wait for an approval")
	case k == Drift && !resolved:
		if n == 1 {
			return fmt.Sprintf("tenant %s drifted (%s)", evs[0].Tenant, evs[0].Severity)
		}
		return tenants("drifted", "drifted")
	case k == Drift:
		return tenants("no longer drifted", "no longer drifted")
	case k == ConfigInvalid && !resolved:
		return fmt.Sprintf("config repo commit %s is invalid; strata keeps converging to the last valid commit", commit)
	case k == ConfigInvalid:
		return fmt.Sprintf("config repo is valid again at commit %s", commit)
	case k == RolloutHalted && !resolved:
		return fmt.Sprintf("rollout of commit %s halted", commit)
	case k == RolloutHalted:
		return fmt.Sprintf("rollout no longer halted (commit %s)", commit)
	case k == RolloutFinished:
		return fmt.Sprintf("rollout of commit %s finished", commit)
	}
	return fmt.Sprintf("%d %s events", n, k)
}

// line is one event's line in Text.
func line(ev Event) string {
	var s string
	switch {
	case ev.Tenant != "" && ev.Severity != "":
		s = fmt.Sprintf("%s (%s)", ev.Tenant, ev.Severity)
	case ev.Tenant != "":
		s = ev.Tenant
	default:
		s = "commit " + short(ev.Commit)
	}
	d := strings.Join(strings.Fields(ev.Detail), " ")
	if len(d) > maxDetail {
		d = d[:maxDetail] + "..."
	}
	if d != "" {
		s += ": " + d
	}
	return s
}

func short(commit string) string { return source.Snapshot{Commit: commit}.Short() }
