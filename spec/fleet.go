// Package spec loads a strata config repo (strata.yaml, templates, modules,
// tenants and their layer SQL), validates it against the CUE definitions in
// package schemas, and resolves every tenant into its ordered list of layers.
//
// The resolved Fleet is the desired world at one commit; every later stage
// (compose, plan, apply, drift) works from it and never reads the repo again.
package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Fleet is a validated config repo with every tenant resolved.
type Fleet struct {
	Config    Config
	Basic     *Layer               // layer 1, shared by every tenant
	Templates map[string]*Template // by name
	Modules   map[string]*Module   // by name
	Tenants   []*Tenant            // sorted by name
}

// Tenant returns the tenant with the given name, or nil. Tenants is sorted
// by name (the loader sorts it), so the search is binary: the daemon asks
// for every tenant on every pass over its queue, and a scan made that
// quadratic (a 10,000-tenant fleet's first pass applied 1.7 tenants a
// second). A fleet built unsorted is still searched in full.
func (f *Fleet) Tenant(name string) *Tenant {
	i, found := slices.BinarySearchFunc(f.Tenants, name, func(t *Tenant, name string) int { return strings.Compare(t.Name, name) })
	if found {
		return f.Tenants[i]
	}
	for _, t := range f.Tenants {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Config is strata.yaml: servers, defaults and fleet-wide policy.
type Config struct {
	Servers        map[string]Server // by name
	Defaults       Defaults
	DatabasePrefix string   // prefix of every tenant database name, e.g. "tenant_"
	Landlord       Landlord // where strata records state
	Dev            Dev      // where desired schemas are composed
	Engines        []string // storage engines layer DDL may name (layers.engines)
	Drift          Drift    // fleet-wide drift handling
	Approve        Approve  // destructive changes approved for every tenant
	Apply          Apply    // how changes run on tenant databases
	Archive        Archive  // how long dropped data is kept (archive.retention)

	Notify  []Receiver // where notifications go (notify:)
	Rollout Rollout    // how a commit reaches the tenants' waves
}

// Rollout gates a commit's rollout by the tenants' waves (rollout: in
// strata.yaml): wave N+1 starts only when every tenant of wave N converged,
// or no more than MaxFailures failed, and Bake has passed since.
type Rollout struct {
	MaxFailures int
	Bake        time.Duration
	// Check is a read-only SELECT run on each tenant of a wave that
	// converged; a first column that is not true counts as a failure ("" none).
	Check string
}

// Apply tunes how strata changes tenant databases.
type Apply struct {
	// LockWaitTimeout bounds a schema change's wait for a metadata lock
	// (the migrator session's lock_wait_timeout), in whole seconds.
	LockWaitTimeout time.Duration
}

// Server is a named MySQL/MariaDB server.
type Server struct {
	Name string
	// DSN is a go-sql-driver/mysql DSN with ${VAR} references already expanded.
	// It is a secret: never log it.
	DSN string
}

// Defaults apply to every tenant that does not say otherwise.
type Defaults struct {
	Server    string
	Charset   string
	Collation string
}

// Landlord names the database where strata keeps its state.
type Landlord struct {
	Server   string
	Database string
}

// Dev names the server where desired schemas are composed in scratch
// databases, and bounds every layer statement run there.
type Dev struct {
	Server string
	// StatementTimeout is the max_statement_time of each layer statement
	// composed (layer SQL comes from pull requests, unreviewed).
	StatementTimeout time.Duration
}

// DriftStrategy says what to do with a tenant whose live schema drifted.
type DriftStrategy string

// Drift strategies.
const (
	DriftReport       DriftStrategy = "report"       // record, change nothing
	DriftConservative DriftStrategy = "conservative" // repair additive differences only
	DriftStrict       DriftStrategy = "strict"       // repair everything the approvals allow
)

// Drift holds drift handling settings.
type Drift struct {
	Strategy DriftStrategy
}

// Approve lists destructive changes approved by merging the file that holds them.
// Each entry is in the canonical form a plan prints, e.g. "DROP COLUMN members.fax".
type Approve struct {
	Destructive []string
}

// Template is templates/<name>/template.yaml with its layer.
type Template struct {
	Name        string
	Version     string // semver
	Description string
	Required    []string // modules every tenant of this template gets
	Optional    []string // modules a tenant of this template may enable
	Approve     Approve
	Archive     Archive
	Layer       *Layer
	Path        string // repo-relative path of template.yaml
}

// Module is modules/<name>/module.yaml with its layer.
type Module struct {
	Name        string
	Version     string // semver; optional
	Description string
	Requires    []string // modules that must come before this one
	Conflicts   []string // modules that cannot be enabled together with this one
	Templates   []string // compatible templates; empty means every template
	Approve     Approve
	Archive     Archive
	Layer       *Layer
	Path        string // repo-relative path of module.yaml
}

// Status is the lifecycle state a tenant's spec asks for.
type Status string

// Tenant statuses a spec may ask for.
const (
	StatusActive         Status = "active"
	StatusSuspended      Status = "suspended"
	StatusDecommissioned Status = "decommissioned"
)

// Tenant is tenants/<name>/tenant.yaml, resolved against the rest of the repo.
type Tenant struct {
	Name        string
	Description string
	Database    string // prefix + name with '-' as '_'
	Template    string
	// Modules are every module the tenant gets, the template's required ones
	// included, in dependency order (ties broken by name).
	Modules []string
	Server  string // resolved: the tenant's server or defaults.server
	Status  Status
	Labels  map[string]string
	Wave    int               // staged rollout: lower waves go first
	Vars    map[string]string // variables for seed templates
	Drift   DriftStrategy     // resolved: the tenant's strategy or the fleet's
	// Approve is the union of the tenant's, its template's, its modules' and
	// the fleet's approvals.
	Approve Approve
	// OwnApprove is what the tenant's own tenant.yaml approves: the only
	// approvals that may drop its database when it is decommissioned.
	OwnApprove Approve
	// ArchiveRetention is how long the data of an approved DROP TABLE or
	// DROP COLUMN is kept (resolved: tenant, modules, template, fleet; 0: not kept).
	ArchiveRetention time.Duration
	// Layers are basic, template, modules in order, then custom (omitted when
	// the tenant has no SQL of its own).
	Layers []*Layer
	Path   string // repo-relative path of tenant.yaml
}

// LayerHash identifies the tenant's desired schema: the hash of its ordered
// DDL files (paths and contents). Tenants with the same hash share one
// composition.
func (t *Tenant) LayerHash() string { return HashLayers(t.Layers) }

// HashLayers hashes the DDL files (paths and contents) of layers in order.
func HashLayers(layers []*Layer) string {
	h := sha256.New()
	for _, l := range layers {
		for _, f := range l.Files {
			h.Write([]byte(f.Path))
			h.Write([]byte{0})
			h.Write([]byte(f.Hash))
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// LayerKind is one of the four layers.
type LayerKind string

// The four layers, in the order they apply.
const (
	LayerBasic    LayerKind = "basic"
	LayerTemplate LayerKind = "template"
	LayerModule   LayerKind = "module"
	LayerCustom   LayerKind = "custom"
)

// Layer is one layer's SQL: DDL files and seed files, each in lexical order.
type Layer struct {
	Kind  LayerKind
	Name  string // "basic", or the template, module or tenant name
	Files []*File
	Seeds []*File
}

// ID names the layer uniquely within a fleet, e.g. "module/financial-tracking".
func (l *Layer) ID() string {
	if l.Kind == LayerBasic {
		return string(LayerBasic)
	}
	return string(l.Kind) + "/" + l.Name
}

// File is one SQL file of a layer, split into statements.
type File struct {
	Path       string // repo-relative, slash-separated
	Content    []byte
	Hash       string // hex SHA-256 of Content
	Statements []Statement
	Renames    []Rename // the renames its DDL declares
}

// Statement is one SQL statement of a file.
type Statement struct {
	SQL  string // without the trailing delimiter
	Line int    // 1-based line of the statement's first token in its file
}
