package reconciler

import (
	"context"
	"maps"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/stratadb/strata/layers"
	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/planner"
	"github.com/stratadb/strata/reconciler/landlord"
	"github.com/stratadb/strata/spec"
)

// liveState is what one bulk pass per server found: the live fingerprint of
// every selected tenant database and, for drift, the landlord's baselines.
// A tenant absent from live has no database, or its server's pass failed
// (then errs says why and the tenant takes the full, per-tenant path).
type liveState struct {
	live      map[string]map[string]string // server -> database -> fingerprint
	errs      map[string]error             // server -> why its pass failed
	baselines map[string]landlord.Baseline // tenant -> newest snapshot; nil when not read
	asked     map[string]bool              // server + "/" + database of every database a pass succeeded for
	// accounts holds, per server whose read succeeded, its tenant-host
	// accounts and their grants (readHostAccounts): two queries per
	// server instead of several per tenant.
	accounts map[string]*hostAccounts
	// creds are the tenants' stored credentials, read with the pass (nil:
	// not read). strata writes them only inside runs it records first, so
	// they stand for a tenant the pass still describes (freshSincePass).
	creds map[string]map[landlord.Role]*landlord.Credential
	// noLandlord is true when strata plan found no landlord yet.
	noLandlord bool

	// archived are the tenants with archives kept or in progress, read on
	// first need (a plan that creates a table or adds a column) for the
	// whole pass: a tenant without any has nothing to restore.
	archivedOnce sync.Once
	archived     map[string]bool
	archivedErr  error
}

// credentials returns t's stored credentials as the pass read them; nil
// when it did not read them.
func (s *liveState) credentials(t *spec.Tenant) map[landlord.Role]*landlord.Credential {
	if s == nil || s.creds == nil {
		return nil
	}
	if c := s.creds[t.Name]; c != nil {
		return c
	}
	return map[landlord.Role]*landlord.Credential{}
}

// hostAccounts returns the tenant accounts of t's server as the pass read
// them, and whether it did.
func (s *liveState) hostAccounts(t *spec.Tenant) (*hostAccounts, bool) {
	if s == nil {
		return nil, false
	}
	a, ok := s.accounts[t.Server]
	return a, ok
}

// hasArchives reports whether tenant may have an archive to restore: true
// unless the landlord's list of tenants with archives, read once, lacks it.
func (s *liveState) hasArchives(ctx context.Context, store *landlord.Store, tenant string) bool {
	if s == nil {
		return true
	}
	s.archivedOnce.Do(func() { s.archived, s.archivedErr = store.ArchivedTenants(ctx) })
	return s.archivedErr != nil || s.archived[tenant]
}

// absent reports whether t's server pass succeeded and found no database for t.
func (s *liveState) absent(t *spec.Tenant) bool {
	_, exists := s.fingerprint(t)
	return !exists && s.asked[t.Server+"/"+t.Database]
}

// fingerprint returns t's live fingerprint and whether its pass found it.
func (s *liveState) fingerprint(t *spec.Tenant) (string, bool) {
	if s == nil {
		return "", false
	}
	fp, ok := s.live[t.Server][t.Database]
	return fp, ok
}

// inSync reports whether t's live schema is certainly desired: equal
// fingerprints mean Atlas would plan nothing (layers/fingerprint is exact
// for everything Atlas plans). A schema with tables no layer declares has
// a different fingerprint, so it is never reported in sync by mistake.
func (s *liveState) inSync(t *spec.Tenant, desired *layers.Desired) bool {
	fp, ok := s.fingerprint(t)
	return ok && desired != nil && desired.Fingerprint != "" && fp == desired.Fingerprint
}

// basis returns t's drift basis as the pass read it (strata plan reads
// the pass and the baselines at one moment).
func (s *liveState) basis(t *spec.Tenant) func(context.Context) (driftBasis, error) {
	return func(context.Context) (driftBasis, error) {
		d := driftBasis{}
		d.fp, d.exists = s.fingerprint(t)
		d.b, d.ok = s.baselines[t.Name]
		return d, nil
	}
}

// readLive runs one fingerprint pass per server, servers in parallel, over
// the databases of the tenants that will be planned (suspended and
// decommissioned ones are not).
func (r *Reconciler) readLive(ctx context.Context, tenants []*spec.Tenant) *liveState {
	dbs := map[string][]string{}
	layerSets := map[string]map[string]bool{} // server -> the tenants' layer sets
	for _, t := range tenants {
		if t.Status == spec.StatusSuspended || t.Status == spec.StatusDecommissioned {
			continue
		}
		dbs[t.Server] = append(dbs[t.Server], t.Database)
		if layerSets[t.Server] == nil {
			layerSets[t.Server] = map[string]bool{}
		}
		layerSets[t.Server][t.LayerHash()] = true
	}
	st := &liveState{live: map[string]map[string]string{}, errs: map[string]error{}, asked: map[string]bool{}, accounts: map[string]*hostAccounts{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, list := range dbs {
		s, err := r.server(name)
		if err != nil {
			st.errs[name] = err
			continue
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			a, err := readHostAccounts(ctx, s.db)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.log.Warn("cannot read the tenant accounts; asking per tenant", "server", name, "err", err)
				return
			}
			st.accounts[name] = a
		}()
		go func() {
			defer wg.Done()
			fps, _, err := r.liveFingerprints(ctx, s, list, len(layerSets[name]))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.log.Warn("bulk in-sync check failed; planning each tenant in full", "server", name, "err", err)
				st.errs[name] = err
				return
			}
			st.live[name] = fps
			for _, db := range list {
				st.asked[name+"/"+db] = true
			}
		}()
	}
	wg.Wait()
	return st
}

// liveFingerprints returns the fingerprint of each database of list that
// exists on s, and how many it found by their schema, by way of their
// definitions (snapshot.ReadMany), which cost
// the server half the CPU of the bulk information_schema pass or less:
// databases with equal definitions have equal fingerprints
// (TestConformance), so each distinct schema is fingerprinted once, on one
// of its databases, and kept only when that database's definitions are
// still the same after. The databases left (a view or a sequence, schemas
// beyond the first fingerPerSchema, a fingerprint that failed) take the
// bulk pass; so does the whole list when the definitions cannot be read,
// or when its tenants have more than half as many layer sets as databases
// (layerSets): tenants in sync with the same layers share a schema, so
// with fewer, most databases will share one.
func (r *Reconciler) liveFingerprints(ctx context.Context, s *server, list []string, layerSets int) (fps map[string]string, grouped int, err error) {
	printing := ""
	if 2*layerSets <= len(list) {
		printing = s.printingDefaults(ctx)
	}
	if printing == "" { // unread: no definitions compare equal
		fps, err = fingerprint.Schemas(ctx, s.db, list)
		return fps, 0, err
	}
	bySchema := map[string][]string{} // the databases of each distinct schema, by its definitions' Key
	var bulk []string
	err = snapshot.ReadMany(ctx, s.multi, printing, list, func(db string, d *snapshot.Definitions) {
		if k := d.Key(); k != "" {
			bySchema[k] = append(bySchema[k], db)
		} else { // a view or a sequence, or not read
			bulk = append(bulk, db)
		}
	})
	if err != nil {
		r.log.Warn("cannot read the tenant databases' definitions; fingerprinting them from information_schema", "server", s.name, "err", err)
		fps, err = fingerprint.Schemas(ctx, s.db, list)
		return fps, 0, err
	}
	keys := slices.SortedFunc(maps.Keys(bySchema), func(a, b string) int { return len(bySchema[b]) - len(bySchema[a]) })
	if len(keys) > fingerPerSchema { // the fewest databases each
		for _, k := range keys[fingerPerSchema:] {
			bulk = append(bulk, bySchema[k]...)
		}
		keys = keys[:fingerPerSchema]
	}
	out := make(map[string]string, len(list))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(4)
	for _, k := range keys {
		dbs := bySchema[k]
		g.Go(func() error {
			one := dbs[0]
			fp, err := fingerprint.Schema(ctx, s.db, one)
			after := ""
			if err == nil {
				err = snapshot.ReadMany(ctx, s.multi, printing, []string{one}, func(_ string, d *snapshot.Definitions) { after = d.Key() })
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil || after != k {
				r.log.Debug("a schema changed while the pass fingerprinted it, or is gone; fingerprinting its databases in bulk", "server", s.name, "database", one, "databases", len(dbs), "err", err)
				bulk = append(bulk, dbs...)
				return nil
			}
			for _, db := range dbs {
				out[db] = fp
			}
			grouped += len(dbs)
			return nil
		})
	}
	g.Wait()
	r.log.Debug("pass", "server", s.name, "databases", len(list), "schemas", len(bySchema), "by their schema", grouped, "in bulk", len(bulk))
	if len(bulk) > 0 {
		fps, err := fingerprint.Schemas(ctx, s.db, bulk)
		if err != nil {
			return nil, 0, err
		}
		maps.Copy(out, fps)
	}
	return out, grouped, nil
}

// fingerPerSchema bounds the schemas liveFingerprints fingerprints one
// database at a time (3-4 ms of server CPU each): a fleet whose tenants
// nearly all differ is cheaper in one bulk pass. A variable for tests.
var fingerPerSchema = 32

// noChange is the plan of a tenant found in sync by fingerprint.
func noChange(t *spec.Tenant, desired *layers.Desired) planner.TenantPlan {
	return planner.TenantPlan{
		Name: t.Name, Database: t.Database, Server: t.Server,
		Action: planner.ActionNone, DesiredHash: desired.Hash, Statements: []planner.Statement{},
	}
}

// FullPlans reports how many tenant plans needed an Atlas inspect and diff
// (the others were found in sync by fingerprint), for tests and metrics.
func (r *Reconciler) FullPlans() int64 { return r.fullPlans.Load() }
