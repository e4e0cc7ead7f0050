package spec

import (
	"fmt"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/stratadb/strata/schemas"
	"github.com/stratadb/strata/spec/ident"
)

// ScratchPrefix starts the name of every scratch database strata composes
// in on the dev server. No tenant or landlord database may start with it:
// abandoned scratch databases are dropped.
const ScratchPrefix = "strata_dev_"

// maxDatabaseName is MySQL's limit on a database name.
const maxDatabaseName = 64

// loadTenants reads and resolves every tenants/<name>/tenant.yaml.
func (l *loader) loadTenants(fleet *Fleet) []*Tenant {
	var tenants []*Tenant
	databases := map[string]string{} // server/database -> what uses it
	if l.configOK {
		c := fleet.Config
		databases[c.Landlord.Server+"/"+c.Landlord.Database] = "the landlord database (strata.yaml landlord.database)"
	}
	names := l.definitionDirs("tenants", "tenant.yaml")
	l.decodeTenants(names, func(name string, dt *decodedTenant) {
		dir := path.Join("tenants", name)
		raw, d := dt.raw, dt.doc
		custom := l.readLayer(LayerCustom, name, dir)
		if !dt.ok {
			return
		}
		l.checkName(d, raw.Name, name)
		l.checkApprovals(d, raw.Approve.Destructive, true)
		t := l.resolveTenant(fleet, name, raw, d, custom)
		if t == nil {
			return
		}
		l.checkSeedVars(t, d)
		if n := len(ident.GrantPattern(t.Database)); n > maxDatabaseName {
			l.ds.at(d.pos("name"), fmt.Sprintf("shorten the tenant name or database_prefix so the name, each _ counted twice, fits %d characters", maxDatabaseName),
				"database name %q is %d characters long, %d in its GRANT, which escapes each _ as \\_; MySQL allows %d there (provisioning would fail with 1102 Incorrect database name)",
				t.Database, len(t.Database), n, maxDatabaseName)
		}
		if strings.HasPrefix(t.Database, ScratchPrefix) {
			l.ds.at(d.pos("name"), "change database_prefix or the tenant name",
				"database name %q starts with %q, which strata reserves for its scratch databases (they are dropped)", t.Database, ScratchPrefix)
		}
		key := t.Server + "/" + t.Database
		if other, taken := databases[key]; taken {
			l.ds.at(d.pos("name"), "rename the tenant or change database_prefix",
				"database %q on server %q is already used by %s", t.Database, t.Server, other)
		} else {
			databases[key] = "tenant " + t.Name
		}
		tenants = append(tenants, t)
	})
	return tenants
}

// decodedTenant is one tenants/<name>/tenant.yaml, decoded and validated
// against #Tenant.
type decodedTenant struct {
	raw rawTenant
	doc *doc
	ok  bool
	ds  diags // its problems, merged into the loader's before fn sees it
}

// decodeTenants decodes the tenant.yaml of each name and calls fn with it,
// in order. Validating them with CUE was most of a no-op plan's own time
// at 10,000 tenants (3.6 s of one core), and a CUE context keeps what it
// built until it is dropped (~8 KB per tenant file). So the files are
// decoded a chunk at a time, each chunk on every core with a CUE context
// per goroutine (a context is not safe for concurrent use), dropped with
// the chunk: memory stays that of one chunk, whatever the fleet's size.
func (l *loader) decodeTenants(names []string, fn func(name string, dt *decodedTenant)) {
	workers := min(runtime.GOMAXPROCS(0), 1+len(names)/tenantsPerWorker)
	chunk := make([]decodedTenant, 0, workers*tenantsPerWorker)
	srcs := make([][]byte, 0, cap(chunk))
	for start := 0; start < len(names); start += cap(chunk) {
		part := names[start:min(start+cap(chunk), len(names))]
		chunk, srcs = chunk[:len(part)], srcs[:len(part)]
		for i, name := range part {
			chunk[i] = decodedTenant{}
			srcs[i], chunk[i].doc = l.readFile(path.Join("tenants", name, "tenant.yaml"))
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				sv, err := schemas.Value(cuecontext.New())
				def := sv.LookupPath(cue.ParsePath(schemas.Tenant))
				for i := int(next.Add(1) - 1); i < len(part); i = int(next.Add(1) - 1) {
					switch dt := &chunk[i]; {
					case srcs[i] == nil: // a link, missing or unreadable: readFile said so
					case err != nil:
						dt.ds.add(path.Join("tenants", part[i], "tenant.yaml"), 0, 0, "report this as a bug of strata", "cannot compile the tenant schema: %v", err)
					default:
						dt.doc, dt.ok = decode(def.Context(), def, path.Join("tenants", part[i], "tenant.yaml"), srcs[i], &dt.raw, &dt.ds)
					}
				}
			})
		}
		wg.Wait()
		for i, name := range part {
			l.ds.list = append(l.ds.list, chunk[i].ds.list...)
			fn(name, &chunk[i])
		}
	}
}

// tenantsPerWorker is how many tenant files make another decoding
// goroutine worth its CUE context (compiling the schema costs ~ms), and
// how many each decodes per chunk.
const tenantsPerWorker = 256

// resolveTenant checks a tenant's references and resolves its modules,
// layers, approvals and defaults. It returns nil when the config is invalid.
func (l *loader) resolveTenant(fleet *Fleet, name string, raw rawTenant, d *doc, custom *Layer) *Tenant {
	c := fleet.Config
	t := &Tenant{
		Name: name, Description: raw.Description, Template: raw.Template,
		Server: raw.Server, Status: Status(raw.Status), Labels: raw.Labels, Wave: raw.Wave,
		Vars: map[string]string{}, Drift: DriftStrategy(raw.Drift.Strategy), Path: d.path,
	}
	for k, v := range raw.Vars {
		t.Vars[k] = fmt.Sprint(v)
	}
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if t.Server != "" && l.configOK {
		l.checkServer(d.pos("server"), "server", t.Server, sortedKeys(c.Servers))
	}
	if t.Server == "" {
		t.Server = c.Defaults.Server
	}
	if t.Drift == "" {
		t.Drift = c.Drift.Strategy
	}
	t.Database = databaseName(c.DatabasePrefix, name)

	tmpl := l.templates[raw.Template]
	if !l.checkRef(d.pos("template"), "templates", raw.Template) {
		return nil
	}
	mods, ok := l.tenantModules(t, tmpl, raw.Modules, d)
	if !ok || !l.configOK {
		return nil
	}
	t.Modules = mods

	approvals := [][]string{raw.Approve.Destructive, tmpl.Approve.Destructive, c.Approve.Destructive}
	t.Layers = []*Layer{fleet.Basic, tmpl.Layer}
	for _, m := range mods {
		t.Layers = append(t.Layers, l.modules[m].Layer)
		approvals = append(approvals, l.modules[m].Approve.Destructive)
	}
	if len(custom.Files) > 0 || len(custom.Seeds) > 0 {
		t.Layers = append(t.Layers, custom)
	}
	t.Approve = Approve{Destructive: normApprovals(approvals...)}
	t.OwnApprove = Approve{Destructive: normApprovals(raw.Approve.Destructive)}
	var modArchives []Archive
	for _, m := range t.Modules {
		modArchives = append(modArchives, l.modules[m].Archive)
	}
	t.ArchiveRetention = archiveRetention(raw.Archive.archive(), modArchives, tmpl.Archive, c.Archive)
	return t
}

// tenantModules returns every module the tenant gets (its own, its
// template's required ones, and what they require), in dependency order.
// It reports unknown, incompatible and conflicting modules.
func (l *loader) tenantModules(t *Tenant, tmpl *Template, own []string, d *doc) ([]string, bool) {
	ok := true
	// origin says where each module came in, for positions.
	origin := map[string]pos{}
	var queue []string
	for _, r := range tmpl.Required {
		if l.modules[r] == nil {
			ok = false // reported in the template
			continue
		}
		if _, dup := origin[r]; !dup {
			origin[r] = d.pos("template")
			queue = append(queue, r)
		}
	}
	for i, m := range own {
		at := d.pos("modules", i)
		if !l.checkRef(at, "modules", m) {
			ok = false
			continue
		}
		if indexOf(own, m) != i {
			l.ds.at(at, "remove the duplicate", "module %q is listed twice", m)
			continue
		}
		if _, dup := origin[m]; dup {
			continue // also required by the template: harmless
		}
		origin[m] = at
		queue = append(queue, m)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, r := range l.modules[n].Requires {
			if l.modules[r] == nil {
				ok = false // reported in the module
				continue
			}
			if _, seen := origin[r]; !seen {
				origin[r] = origin[n]
				queue = append(queue, r)
			}
		}
	}
	set := map[string]bool{}
	for m := range origin {
		set[m] = true
	}
	names := sortedKeys(set)
	for _, m := range names {
		if !l.checkCompatible(origin[m], m, tmpl.Name) {
			ok = false
		}
		for _, c := range l.modules[m].Conflicts {
			if set[c] && (m < c || !contains(l.modules[c].Conflicts, m)) {
				l.ds.at(origin[m], fmt.Sprintf("%s declares conflicts: %s; enable only one of them", l.modules[m].Path, strings.Join(l.modules[m].Conflicts, ", ")),
					"modules %q and %q conflict", m, c)
				ok = false
			}
		}
	}
	if !ok {
		return nil, false
	}
	ordered, acyclic := l.order(set)
	if !acyclic {
		return nil, false // the cycle is reported in its modules
	}
	return ordered, true
}
