package daemon

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// probeTimeout bounds one ping of a database server.
const probeTimeout = 5 * time.Second

// serverHealth is the loop's view of one database server: while it is down,
// its tenants (every tenant, for the landlord's server) are held instead of
// each backing off on its own, and the server alone is probed, with its own
// backoff. Guarded by Daemon.mu.
type serverHealth struct {
	down     bool
	since    time.Time // when it went down
	err      string    // the last probe's error
	failures int       // consecutive failed probes
	next     time.Time // next probe while down
	probing  bool
}

// probeResult is what one round of pings found, server name -> error.
type probeResult struct {
	gen  *generation
	errs map[string]error
}

// ping pings the named servers (each once) with g's engine.
func ping(ctx context.Context, g *generation, names ...string) map[string]error {
	errs := map[string]error{}
	for _, n := range names {
		if _, ok := errs[n]; ok || n == "" {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		errs[n] = g.eng.Ping(pctx, n)
		cancel()
	}
	return errs
}

// startProbes pings, in the background, every configured server when all
// is true (each sync: readiness follows the servers even when no tenant is
// due), else the down servers whose backoff has ended.
func (d *Daemon) startProbes(ctx context.Context, all bool, out chan<- probeResult) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.gen
	if g == nil {
		return
	}
	now := d.clock.Now()
	var names []string
	for name := range g.fleet.Config.Servers {
		h := d.health(name)
		if h.probing || !(all || h.down && !now.Before(h.next)) {
			continue
		}
		h.probing = true
		names = append(names, name)
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	g.refs++
	go func() { out <- probeResult{gen: g, errs: ping(ctx, g, names...)} }()
}

// probed records a round of pings.
func (d *Daemon) probed(r probeResult) {
	d.mu.Lock()
	for name := range r.errs {
		d.health(name).probing = false
	}
	d.release(r.gen)
	d.mu.Unlock()
	d.serversSeen(r.errs)
}

// health returns the named server's state, made on first use; d.mu is held.
func (d *Daemon) health(name string) *serverHealth {
	h := d.servers[name]
	if h == nil {
		h = &serverHealth{}
		d.servers[name] = h
	}
	return h
}

// serversSeen records what pings found and logs each outage once, when it
// starts and when it ends; failed probes of a down server back off.
func (d *Daemon) serversSeen(errs map[string]error) {
	now := d.clock.Now()
	d.mu.Lock()
	type change struct {
		name string
		h    serverHealth
		up   bool
	}
	var changes []change
	for name, err := range errs {
		h := d.health(name)
		switch {
		case err == nil && h.down:
			changes = append(changes, change{name, *h, true})
			*h = serverHealth{}
		case err == nil:
		default:
			if !h.down {
				h.down, h.since = true, now
				changes = append(changes, change{name: name, h: serverHealth{err: err.Error()}})
			}
			h.err = err.Error()
			h.failures++
			h.next = now.Add(backoff(h.failures, d.opts.Backoff, d.opts.MaxBackoff))
		}
	}
	d.mu.Unlock()
	for name, err := range errs {
		d.m.ServerUp.WithLabelValues(name).Set(map[bool]float64{true: 1}[err == nil])
	}
	for _, c := range changes {
		if c.up {
			d.log.Info("database server reachable again; resuming its tenants", "server", c.name, "down_for", now.Sub(c.h.since).Round(time.Millisecond), "failed_probes", c.h.failures)
		} else {
			d.log.Error("database server unreachable; holding its tenants and probing it with backoff", "server", c.name, "err", c.h.err)
		}
	}
}

// held reports whether tenant t of generation g waits for a server: its
// own or the landlord's; d.mu is held.
func (d *Daemon) held(g *generation, tenant string) bool {
	t := g.fleet.Tenant(tenant)
	if t == nil {
		return false
	}
	for _, name := range []string{t.Server, g.fleet.Config.LandlordServer()} {
		if h := d.servers[name]; h != nil && h.down {
			return true
		}
	}
	return false
}

// serverWake returns the earliest probe due of a down server; d.mu is held.
func (d *Daemon) serverWake() time.Time {
	var next time.Time
	for _, h := range d.servers {
		if h.down && !h.probing && (next.IsZero() || h.next.Before(next)) {
			next = h.next
		}
	}
	return next
}

// serversDown says which servers are down, for Ready; d.mu is held.
func (d *Daemon) serversDown() string {
	var names []string
	for name, h := range d.servers {
		if h.down {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	h := d.servers[names[0]]
	role := "database server"
	if d.gen != nil && names[0] == d.gen.fleet.Config.LandlordServer() {
		role = "landlord server"
	}
	return fmt.Sprintf("%s %s unreachable since %s: %s", role, names[0], h.since.Format(time.RFC3339), h.err)
}
