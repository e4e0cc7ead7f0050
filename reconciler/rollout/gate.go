// Package rollout gates a commit's rollout by the tenants' waves
// (tenant.yaml wave:, strata.yaml rollout:): wave N+1 starts only when every
// tenant of wave N converged, or no more than rollout.max_failures failed,
// and rollout.bake has passed since wave N finished. A wave over its budget
// halts the rollout of that commit: later waves stay at the previous
// commit's schema until a new commit starts a new rollout from wave 0.
//
// A Gate is the state of one commit's rollout; strata apply (Apply) and the
// daemon both drive one, record it in the landlord (landlord.SaveRollout;
// landlord.ReadRollout reads it back for status, the API, the console and
// notifications) and report its transitions as Events.
package rollout

import (
	"fmt"
	"strings"
	"time"

	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// Verdict is what one tenant's result means to its wave.
type Verdict int

// Verdicts.
const (
	// Pending: not tried yet, or tried again soon (a transient failure,
	// another strata holds the tenant).
	Pending Verdict = iota
	// Passed: converged, or left waiting for a person (an approval, drift
	// the strategy reports): the change itself did not fail.
	Passed
	// Failed: the change failed on the tenant (or its post-wave check did
	// not pass); it counts toward the wave's failure budget.
	Failed
)

// EventKind names a rollout transition.
type EventKind string

// Rollout transitions.
const (
	WaveStarted  EventKind = "wave_started"
	WaveFinished EventKind = "wave_finished" // every tenant settled within the budget
	Halted       EventKind = "halted"        // a wave failed over its budget
	Resumed      EventKind = "resumed"       // a halted wave is back within its budget (a retry converged)
	Finished     EventKind = "finished"      // every wave passed
)

// Event is one transition of a rollout, for logs, notifications and the
// console. Rollout is the state after it, as the landlord records it.
type Event struct {
	Kind    EventKind        `json:"kind"`
	Commit  string           `json:"commit"`
	Wave    int              `json:"wave"`
	At      time.Time        `json:"at"`
	Rollout landlord.Rollout `json:"rollout"`
}

// String describes the event in one line.
func (e Event) String() string {
	switch e.Kind {
	case Halted:
		return fmt.Sprintf("rollout of %s halted at wave %d: %s", short(e.Commit), e.Wave, e.Rollout.Reason)
	case Finished:
		return fmt.Sprintf("rollout of %s finished: every wave converged", short(e.Commit))
	case WaveStarted:
		n := 0
		if w := e.Rollout.WaveOf(e.Wave); w != nil {
			n = w.Tenants
		}
		word := "tenants"
		if n == 1 {
			word = "tenant"
		}
		return fmt.Sprintf("rollout of %s: wave %d started (%d %s)", short(e.Commit), e.Wave, n, word)
	}
	return fmt.Sprintf("rollout of %s: wave %d %s", short(e.Commit), e.Wave, strings.TrimPrefix(string(e.Kind), "wave_"))
}

// Gate is the state of one commit's rollout over the waves of the tenants
// it covers. It is not safe for concurrent use.
type Gate struct {
	cfg      spec.Rollout
	waves    []spec.Wave
	index    map[string]int // tenant -> index in waves
	verdicts map[string]Verdict
	changed  map[string]bool
	failures map[string]string // tenant -> why, for the halt reason
	cur      int
	bakeEnds time.Time
	rec      landlord.Rollout
}

// NewGate starts the rollout of commit at wave 0 (its first wave) over
// waves. Mode is landlord.ModeGated or landlord.ModeAllWaves (every wave
// allowed at once, still recorded wave by wave).
func NewGate(commit, mode string, cfg spec.Rollout, waves []spec.Wave, now time.Time) *Gate {
	g := &Gate{cfg: cfg, waves: waves, index: map[string]int{}, verdicts: map[string]Verdict{},
		changed: map[string]bool{}, failures: map[string]string{}}
	g.rec = landlord.Rollout{Commit: commit, Mode: mode, Status: landlord.RolloutRolling,
		MaxFailures: cfg.MaxFailures, Bake: cfg.Bake, StartedAt: now.UTC(), UpdatedAt: now.UTC()}
	for i, w := range waves {
		for _, t := range w.Tenants {
			g.index[t] = i
		}
		rec := landlord.WaveRecord{Wave: w.Number, Tenants: len(w.Tenants)}
		if i == 0 || mode == landlord.ModeAllWaves {
			rec.StartedAt = now.UTC()
		}
		g.rec.Waves = append(g.rec.Waves, rec)
	}
	if len(waves) > 0 {
		g.rec.Wave = waves[0].Number
	}
	return g
}

// Allows reports whether tenant may be applied now: its wave started (a
// halted wave's tenants may be retried; later waves wait). A tenant outside
// the rollout's waves is allowed.
func (g *Gate) Allows(tenant string) bool {
	i, ok := g.index[tenant]
	return !ok || g.rec.Mode == landlord.ModeAllWaves || i <= g.cur || g.rec.Status == landlord.RolloutFinished
}

// Observe records a tenant's verdict. changed says whether its apply changed
// the tenant (statements ran, it was provisioned): a wave that changed no
// tenant is not baked. why is a failure's cause, for the halt reason.
func (g *Gate) Observe(tenant string, v Verdict, changed bool, why string) {
	if _, ok := g.index[tenant]; !ok {
		return
	}
	g.verdicts[tenant] = v
	if changed {
		g.changed[tenant] = true
	}
	if v == Failed {
		g.failures[tenant] = why
	} else {
		delete(g.failures, tenant)
	}
}

// Halted reports whether the rollout is halted.
func (g *Gate) Halted() bool { return g.rec.Status == landlord.RolloutHalted }

// Done reports whether the rollout finished (every wave passed).
func (g *Gate) Done() bool { return g.rec.Status == landlord.RolloutFinished }

// BakeEnds is when the wave that finished last has baked, zero unless baking.
func (g *Gate) BakeEnds() time.Time {
	if g.rec.Status != landlord.RolloutBaking {
		return time.Time{}
	}
	return g.bakeEnds
}

// Wave is the number of the wave the rollout is at.
func (g *Gate) Wave() int { return g.rec.Wave }

// Tenants returns the tenants of the wave the rollout is at.
func (g *Gate) Tenants() []string {
	if len(g.waves) == 0 {
		return nil
	}
	return g.waves[g.cur].Tenants
}

// Record returns the rollout as the landlord records it.
func (g *Gate) Record() landlord.Rollout {
	r := g.rec
	r.Waves = append([]landlord.WaveRecord(nil), g.rec.Waves...)
	return r
}

// Step moves the rollout as far as the verdicts allow at now: it halts a
// wave over its budget, resumes one back within it, finishes a settled wave,
// bakes it, starts the next; it returns the transitions in order (none when
// nothing moved).
func (g *Gate) Step(now time.Time) []Event {
	now = now.UTC()
	var evs []Event
	emit := func(k EventKind) {
		g.rec.UpdatedAt = now
		evs = append(evs, Event{Kind: k, Commit: g.rec.Commit, Wave: g.rec.Wave, At: now, Rollout: g.Record()})
	}
	for len(g.waves) > 0 && g.rec.Status != landlord.RolloutFinished {
		w, rec := g.waves[g.cur], &g.rec.Waves[g.cur]
		pending, failed := 0, []string{}
		rec.Converged = 0
		for _, t := range w.Tenants {
			switch g.verdicts[t] {
			case Pending:
				pending++
			case Passed:
				rec.Converged++
			case Failed:
				failed = append(failed, t)
			}
		}
		rec.Failed = failed
		if len(failed) > g.cfg.MaxFailures && g.rec.Mode != landlord.ModeAllWaves {
			if g.rec.Status != landlord.RolloutHalted {
				g.rec.Status, g.rec.Reason = landlord.RolloutHalted, g.haltReason(w, failed)
				emit(Halted)
			}
			return evs
		}
		if g.rec.Status == landlord.RolloutHalted {
			g.rec.Status, g.rec.Reason = landlord.RolloutRolling, ""
			emit(Resumed)
		}
		if pending > 0 {
			return evs
		}
		if rec.FinishedAt.IsZero() {
			rec.FinishedAt = now
			g.bakeEnds = now
			if g.waveChanged(w) {
				g.bakeEnds = now.Add(g.cfg.Bake)
			}
			emit(WaveFinished)
		}
		if g.cur == len(g.waves)-1 {
			g.rec.Status, g.rec.FinishedAt = landlord.RolloutFinished, now
			emit(Finished)
			return evs
		}
		if g.rec.Mode != landlord.ModeAllWaves && now.Before(g.bakeEnds) {
			if g.rec.Status != landlord.RolloutBaking {
				g.rec.Status = landlord.RolloutBaking
				g.rec.UpdatedAt = now
			}
			return evs
		}
		g.cur++
		g.rec.Status, g.rec.Wave = landlord.RolloutRolling, g.waves[g.cur].Number
		if g.rec.Waves[g.cur].StartedAt.IsZero() {
			g.rec.Waves[g.cur].StartedAt = now
		}
		emit(WaveStarted)
	}
	return evs
}

// waveChanged reports whether any tenant of w was changed by its apply.
func (g *Gate) waveChanged(w spec.Wave) bool {
	for _, t := range w.Tenants {
		if g.changed[t] {
			return true
		}
	}
	return false
}

// haltReason says which tenants failed and what stays where.
func (g *Gate) haltReason(w spec.Wave, failed []string) string {
	var parts []string
	for i, t := range failed {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(failed)-5))
			break
		}
		if why := g.failures[t]; why != "" {
			parts = append(parts, t+" ("+firstLine(why)+")")
		} else {
			parts = append(parts, t)
		}
	}
	later := "no later wave"
	if g.cur < len(g.waves)-1 {
		later = fmt.Sprintf("waves %d and later stay at the previous commit", g.waves[g.cur+1].Number)
	}
	return fmt.Sprintf("%d of %d tenants of wave %d failed (max_failures %d): %s; %s",
		len(failed), len(w.Tenants), w.Number, g.cfg.MaxFailures, strings.Join(parts, ", "), later)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > 160 {
		line = line[:157] + "..."
	}
	return line
}

func short(commit string) string {
	if len(commit) > 12 && !strings.Contains(commit, "-") {
		return commit[:12]
	}
	return commit
}
