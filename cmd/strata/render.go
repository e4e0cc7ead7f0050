package main

import (
	"io"

	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/render"
)

func renderPlan(w io.Writer, p *planner.Plan, f render.Format) error {
	return render.Plan(w, p, f, render.Options{Color: f == render.FormatText && colorFor(w)})
}

// planExit maps a plan to plan's exit status: 1 a tenant could not be
// planned, 2 changes pending or blocked or a tenant diverged, 0 in sync.
func planExit(p *planner.Plan) error {
	p.Summarize()
	s := p.Summary
	switch {
	case s.Failed > 0:
		return &exitError{code: 1}
	case s.Create+s.Change+s.Blocked+s.Diverged > 0:
		return &exitError{code: 2}
	}
	return nil
}
