package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// measure builds a fleet of n tenants and times each scenario, always
// dropping what it created.
func measure(ctx context.Context, cfg config, db *sql.DB, n int) (rep *report, err error) {
	f, err := newFleet(cfg, db, n, nil, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A cleanup that fails after every phase was measured keeps the
		// figures (a 10,000-tenant run's are half an hour's work): it is
		// logged, and what is left has the run's prefix.
		cerr := f.cleanup(context.WithoutCancel(ctx))
		switch {
		case cerr != nil && err == nil:
			slog.Error("cleanup failed; drop what is left by hand", "prefix", f.prefix, "err", cerr)
		case cerr != nil:
			err = errors.Join(err, cerr)
		}
	}()
	rep = &report{n: n, concurrency: cfg.concurrency}
	slog.Info("fleet", "tenants", n, "prefix", f.prefix)
	// The floor and the peer first, each on databases of its own, dropped
	// before strata starts: the server holds one fleet's tables at a time.
	peers, err := f.measurePeers(ctx)
	if err != nil {
		return nil, err
	}
	// Then strata, each phase on the fleet the one before it left.
	phases := []func(context.Context, config, *report, peerTimes) error{f.measureProvision, f.measureNoop, f.measureRollout}
	if cfg.scale {
		phases = append(phases, f.measureDaemon)
	}
	for _, phase := range append(phases, f.measureDrift) {
		if err := phase(ctx, cfg, rep, peers); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// peerTimes are what strata is measured against: the mariadb client's
// floors and skeema.
type peerTimes struct {
	provisionFloor, rolloutFloor time.Duration
	skeema                       skeemaTimes
}

// measurePeers times the mariadb client and skeema on databases of their
// own, and drops them.
func (f *fleet) measurePeers(ctx context.Context) (p peerTimes, err error) {
	if p.provisionFloor, err = f.clientFloor(ctx, f.provisionScript); err != nil {
		return p, err
	}
	before, err := f.schemaOf(ctx, f.floorDBs[0])
	if err != nil {
		return p, err
	}
	if p.rolloutFloor, err = f.clientFloor(ctx, f.rolloutScript); err != nil {
		return p, err
	}
	after, err := f.schemaOf(ctx, f.floorDBs[0])
	if err != nil {
		return p, err
	}
	// The floor's users too: strata provisions on a server without the 2N
	// accounts the floor created.
	if err := errors.Join(f.dropLike(ctx, f.prefix+"floor_"), f.dropUsersLike(ctx, f.prefix+"floor_")); err != nil {
		return p, err
	}
	slog.Info("floor measured", "provision", p.provisionFloor, "rollout", p.rolloutFloor)
	if p.skeema, err = f.skeema(ctx, before, after); err != nil {
		return p, err
	}
	if err := f.dropLike(ctx, f.prefix+"sk"); err != nil {
		return p, err
	}
	slog.Info("skeema measured", "provision", p.skeema.provision, "no-op", p.skeema.noop, "rollout", p.skeema.rollout)
	return p, nil
}

// measureProvision: provision from nothing (databases, users, grants,
// schema, seeds, landlord records).
func (f *fleet) measureProvision(ctx context.Context, _ config, rep *report, p peerTimes) error {
	res, err := f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return err
	}
	rep.add("provision from nothing", res, p.provisionFloor, "mariadb client: CREATE DATABASE, 2 users created by their grants, the layer DDL (no seeds or records)", 1.2, p.skeema.provision)
	return nil
}

// measureNoop: a no-op reconcile, the plan of the in-sync fleet, then its apply.
func (f *fleet) measureNoop(ctx context.Context, _ config, rep *report, p peerTimes) error {
	fp, err := f.fingerprintFloor(ctx)
	if err != nil {
		return err
	}
	res, err := f.strata(ctx, []int{0}, "plan", "--format", "json")
	if err != nil {
		return err
	}
	if _, err := expectPlan(res.stdout, rep.n, rep.n); err != nil {
		return err
	}
	rep.add("no-op reconcile (plan)", res, fp, "the bulk information_schema queries alone (layers/fingerprint, one pass)", 1.5, p.skeema.noop)
	// What the daemon does on a commit that changes no tenant, and what
	// skeema push of the in-sync fleet compares with: every tenant locked,
	// checked (schema, users, grants, seeds) and recorded at the commit.
	if res, err = f.strata(ctx, []int{0}, "apply"); err != nil {
		return err
	}
	rep.add("no-op apply (each tenant locked and recorded)", res, fp, "the bulk information_schema queries alone", 1.5, p.skeema.noop)
	return nil
}

// measureRollout: one column and one index rolled out to every tenant; at
// scale, a plan after it must find every tenant in sync.
func (f *fleet) measureRollout(ctx context.Context, cfg config, rep *report, p peerTimes) error {
	if err := f.addRolloutColumn(); err != nil {
		return err
	}
	res, err := f.strata(ctx, []int{0}, "apply")
	if err != nil {
		return err
	}
	rep.add("rollout of one column + one index", res, p.rolloutFloor, "mariadb client: the same ALTER TABLE on as many databases", 1.5, p.skeema.rollout)
	if !cfg.scale {
		return nil
	}
	res, err = f.strata(ctx, []int{0, 2}, "plan", "--format", "json")
	if err != nil {
		return err
	}
	rep.converged, err = expectPlan(res.stdout, rep.n, -1)
	return err
}

// measureDrift: a drift sweep with some tenants changed by hand (cfg.drift,
// default 1%), each of which must be found.
func (f *fleet) measureDrift(ctx context.Context, cfg config, rep *report, _ peerTimes) error {
	k := cfg.drift
	if k <= 0 {
		k = rep.n / 100
	}
	drifted, err := f.driftSome(ctx, k)
	if err != nil {
		return err
	}
	fp, err := f.fingerprintFloor(ctx)
	if err != nil {
		return err
	}
	res, err := f.strata(ctx, []int{2}, "drift", "--format", "json")
	if err != nil {
		return err
	}
	if rep.driftFound, err = expectDrift(res.stdout, drifted); err != nil {
		return err
	}
	rep.driftWant = len(drifted)
	rep.add(fmt.Sprintf("drift sweep, %d drifted (all found, severity medium)", len(drifted)), res, fp, "the bulk information_schema queries alone", 1.5, peer{note: "n/a"})
	return nil
}

// expectPlan checks strata plan's JSON: n tenants, inSync of them in sync
// (any number when inSync < 0); it returns how many are.
func expectPlan(out []byte, n, inSync int) (int, error) {
	var p struct {
		Summary struct {
			Tenants int `json:"tenants"`
			InSync  int `json:"in_sync"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return 0, fmt.Errorf("bench: plan output: %w", err)
	}
	if p.Summary.Tenants != n || (inSync >= 0 && p.Summary.InSync != inSync) {
		return 0, fmt.Errorf("bench: plan of the fleet: %d tenants, %d in sync; want %d, %d in sync:\n%s", p.Summary.Tenants, p.Summary.InSync, n, inSync, tail(string(out)))
	}
	return p.Summary.InSync, nil
}

// expectDrift checks strata drift's JSON: exactly the drifted tenants found,
// each with severity medium (one column added by hand); it returns how many
// of them it found.
func expectDrift(out []byte, drifted map[string]bool) (int, error) {
	var res struct {
		Tenants []struct{ Name, State, Severity string } `json:"tenants"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("bench: drift output: %w", err)
	}
	found := 0
	for _, t := range res.Tenants {
		switch {
		case drifted[t.Name] && (t.State != "drifted" || t.Severity != "medium"):
			return 0, fmt.Errorf("bench: %s: drift %s %s, want drifted medium", t.Name, t.State, t.Severity)
		case !drifted[t.Name] && t.State != "none":
			return 0, fmt.Errorf("bench: %s: drift %s, want none", t.Name, t.State)
		case drifted[t.Name]:
			found++
		}
	}
	if found != len(drifted) {
		return found, fmt.Errorf("bench: drift found %d of %d drifted tenants", found, len(drifted))
	}
	return found, nil
}
