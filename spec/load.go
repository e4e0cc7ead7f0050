package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/stratadb/strata/schemas"
)

// Option configures Load.
type Option func(*options)

type options struct {
	lookupEnv func(string) (string, bool)
}

// WithLookupEnv sets where ${VAR} references in server DSNs are looked up;
// the default is os.LookupEnv.
func WithLookupEnv(f func(string) (string, bool)) Option {
	return func(o *options) { o.lookupEnv = f }
}

// LoadDir loads the config repo in directory dir. See Load.
func LoadDir(dir string, opts ...Option) (*Fleet, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("spec: %s is not a directory", dir)
	}
	return Load(os.DirFS(dir), opts...)
}

// Load loads, validates and resolves the config repo at the root of fsys.
// When the repo is invalid the error is a Diagnostics holding every problem,
// sorted by path and line.
func Load(fsys fs.FS, opts ...Option) (*Fleet, error) {
	o := options{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := cuecontext.New()
	sv, err := schemas.Value(ctx)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	l := &loader{fsys: fsys, opts: o, ctx: ctx, schema: sv}
	fleet := l.load()
	if len(l.ds.list) > 0 {
		return nil, l.ds.sorted()
	}
	return fleet, nil
}

// loader holds the state of one Load.
type loader struct {
	fsys   fs.FS
	opts   options
	ctx    *cue.Context
	schema cue.Value
	ds     diags

	config    rawConfig
	configDoc *doc
	configOK  bool

	templates map[string]*Template
	tmplDocs  map[string]*doc
	modules   map[string]*Module
	modDocs   map[string]*doc
	// seedVars holds the variable uses of every seed file, by path.
	seedVars map[string][]VarUse
	// present holds "kind/name" of every definition directory, valid or not,
	// so a reference to an invalid one is not also reported as unknown.
	present map[string]bool
}

const configPath = "strata.yaml"

func (l *loader) load() *Fleet {
	l.present = map[string]bool{}
	l.templates, l.tmplDocs = map[string]*Template{}, map[string]*doc{}
	l.modules, l.modDocs = map[string]*Module{}, map[string]*doc{}

	fleet := &Fleet{Templates: l.templates, Modules: l.modules}
	fleet.Config = l.loadConfig()
	fleet.Basic = l.readLayer(LayerBasic, string(LayerBasic), "basic")
	l.loadTemplates()
	l.loadModules()
	l.checkModules()
	l.checkTemplates()
	fleet.Tenants = l.loadTenants(fleet)
	return fleet
}

// decodeFile reads and validates one YAML definition file.
func (l *loader) decodeFile(p, def string, out any) (*doc, bool) {
	src, d := l.readFile(p)
	if src == nil {
		return d, false
	}
	return decode(l.ctx, l.schema.LookupPath(cue.ParsePath(def)), p, src, out, &l.ds)
}

// readFile reads p for decoding. It returns nil (and the doc decodeFile
// returns for it) when p is a link, missing or unreadable, the last two
// recorded as problems.
func (l *loader) readFile(p string) ([]byte, *doc) {
	if l.link(p) {
		return nil, &doc{path: p}
	}
	src, err := fs.ReadFile(l.fsys, p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.ds.add(p, 0, 0, "check the file's permissions", "cannot read file: %v", err)
		}
		return nil, nil
	}
	return src, nil
}

// definitionDirs lists the subdirectories of dir (templates, modules or
// tenants), each of which must hold file.
func (l *loader) definitionDirs(dir, file string) []string {
	if l.link(dir) {
		return nil
	}
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.ds.add(dir, 0, 0, "check the directory's permissions", "cannot read directory: %v", err)
		}
		return nil
	}
	var names []string
	for _, e := range entries {
		if l.linkEntry(path.Join(dir, e.Name()), e) || !e.IsDir() {
			continue
		}
		p := path.Join(dir, e.Name(), file)
		if _, err := fs.Stat(l.fsys, p); err != nil {
			l.ds.add(path.Join(dir, e.Name()), 0, 0, fmt.Sprintf("add %s, or remove the directory", p), "missing %s", file)
			continue
		}
		l.present[dir+"/"+e.Name()] = true
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// checkName reports a definition whose name is not its directory's name.
func (l *loader) checkName(d *doc, name, dir string) {
	if name != dir {
		l.ds.at(d.pos("name"), fmt.Sprintf("set name: %s, or rename the directory to %s", dir, name),
			"name %q does not match its directory %q", name, dir)
	}
}

func (l *loader) loadTemplates() {
	for _, name := range l.definitionDirs("templates", "template.yaml") {
		dir := path.Join("templates", name)
		p := path.Join(dir, "template.yaml")
		var raw rawTemplate
		d, ok := l.decodeFile(p, schemas.Template, &raw)
		layer := l.readLayer(LayerTemplate, name, dir)
		if !ok {
			continue
		}
		l.checkName(d, raw.Name, name)
		l.checkApprovals(d, raw.Approve.Destructive, false)
		l.templates[name] = &Template{
			Name: name, Version: raw.Version, Description: raw.Description,
			Required: raw.Modules.Required, Optional: raw.Modules.Optional,
			Approve: Approve{Destructive: raw.Approve.Destructive}, Archive: raw.Archive.archive(),
			Layer: layer, Path: p,
		}
		l.tmplDocs[name] = d
	}
}

func (l *loader) loadModules() {
	for _, name := range l.definitionDirs("modules", "module.yaml") {
		dir := path.Join("modules", name)
		p := path.Join(dir, "module.yaml")
		var raw rawModule
		d, ok := l.decodeFile(p, schemas.Module, &raw)
		layer := l.readLayer(LayerModule, name, dir)
		if !ok {
			continue
		}
		l.checkName(d, raw.Name, name)
		l.checkApprovals(d, raw.Approve.Destructive, false)
		l.modules[name] = &Module{
			Name: name, Version: raw.Version, Description: raw.Description,
			Requires: raw.Requires, Conflicts: raw.Conflicts, Templates: raw.Templates,
			Approve: Approve{Destructive: raw.Approve.Destructive}, Archive: raw.Archive.archive(),
			Layer: layer, Path: p,
		}
		l.modDocs[name] = d
	}
}

// checkRef reports a reference to a template or module that does not exist.
// kind is "templates" or "modules". It reports whether the reference is usable.
func (l *loader) checkRef(at pos, kind, name string) bool {
	var known []string
	switch kind {
	case "templates":
		if l.templates[name] != nil {
			return true
		}
		for n := range l.templates {
			known = append(known, n)
		}
	case "modules":
		if l.modules[name] != nil {
			return true
		}
		for n := range l.modules {
			known = append(known, n)
		}
	}
	if l.present[kind+"/"+name] {
		return false // invalid, reported in its own file
	}
	what := kind[:len(kind)-1]
	hint := didYouMean(name, known, "known "+kind)
	if hint == "" {
		hint = fmt.Sprintf("add %s/%s/%s.yaml", kind, name, what)
	}
	l.ds.at(at, hint, "unknown %s %q", what, name)
	return false
}
