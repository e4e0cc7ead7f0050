package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/stratadb/strata/reconciler"
	"github.com/stratadb/strata/reconciler/render"
	"github.com/stratadb/strata/reconciler/rollout"
)

// applyPrinter is strata apply's listener: it prints one line per tenant as
// it finishes (text format), and on a terminal keeps a progress bar with
// counts and an ETA on stderr. Workers call it concurrently.
type applyPrinter struct {
	mu     sync.Mutex
	out    io.Writer // tenant lines; nil for JSON (printed whole at the end)
	bar    io.Writer // the progress bar's terminal; nil without one
	total  int
	done   int
	counts map[reconciler.Outcome]int
	start  time.Time
	now    func() time.Time
}

// newApplyPrinter returns a printer; set total before the apply starts.
func newApplyPrinter(out, bar io.Writer) *applyPrinter {
	return &applyPrinter{out: out, bar: bar, counts: map[reconciler.Outcome]int{}, start: time.Now(), now: time.Now}
}

// listen is the reconciler.Options.Listener.
func (p *applyPrinter) listen(ev reconciler.Event) {
	fin, ok := ev.(reconciler.TenantFinished)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.counts[fin.Result.Outcome]++
	if line := render.TenantLine(fin.Result); line != "" && p.out != nil {
		p.clearBar()
		fmt.Fprintln(p.out, line)
	}
	p.drawBar()
}

// rolloutEvent prints a rollout transition (strata apply by wave).
func (p *applyPrinter) rolloutEvent(ev rollout.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.out != nil && ev.Kind != rollout.WaveFinished && len(ev.Rollout.Waves) > 1 {
		p.clearBar()
		fmt.Fprintln(p.out, ev.String())
	}
	p.drawBar()
}

// finish clears the bar; the caller prints the summary.
func (p *applyPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearBar()
}

func (p *applyPrinter) clearBar() {
	if p.bar != nil {
		fmt.Fprint(p.bar, "\r\x1b[K")
	}
}

func (p *applyPrinter) drawBar() {
	if p.bar == nil || p.total == 0 {
		return
	}
	fmt.Fprint(p.bar, "\r\x1b[K"+render.ProgressLine(p.done, p.total, p.counts, p.now().Sub(p.start)))
}
