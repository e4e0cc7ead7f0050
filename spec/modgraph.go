package spec

import (
	"fmt"
	"sort"
	"strings"
)

// checkModules checks every module's references and reports each dependency
// cycle once.
func (l *loader) checkModules() {
	for _, name := range sortedKeys(l.modules) {
		m, d := l.modules[name], l.modDocs[name]
		for i, r := range m.Requires {
			l.checkRef(d.pos("requires", i), "modules", r)
		}
		for i, c := range m.Conflicts {
			if l.checkRef(d.pos("conflicts", i), "modules", c) && contains(m.Requires, c) {
				l.ds.at(d.pos("conflicts", i), "remove it from requires or from conflicts", "module %q both requires and conflicts with %q", name, c)
			}
		}
		for i, t := range m.Templates {
			l.checkRef(d.pos("templates", i), "templates", t)
		}
	}
	for _, cycle := range l.cycles() {
		first, next := cycle[0], cycle[1]
		m := l.modules[first]
		idx := indexOf(m.Requires, next)
		l.ds.at(l.modDocs[first].pos("requires", idx), "remove one of these requires: modules must form a tree without loops",
			"dependency cycle: %s", strings.Join(cycle, " -> "))
	}
}

// checkTemplates checks every template's module lists.
func (l *loader) checkTemplates() {
	for _, name := range sortedKeys(l.templates) {
		t, d := l.templates[name], l.tmplDocs[name]
		for i, r := range t.Required {
			at := d.pos("modules", "required", i)
			if l.checkRef(at, "modules", r) {
				l.checkCompatible(at, r, name)
			}
			if contains(t.Optional, r) {
				l.ds.at(at, "list it in required or in optional, not both", "module %q is both required and optional", r)
			}
		}
		for i, o := range t.Optional {
			at := d.pos("modules", "optional", i)
			if l.checkRef(at, "modules", o) {
				l.checkCompatible(at, o, name)
			}
		}
	}
}

// checkCompatible reports a module whose templates list excludes template.
func (l *loader) checkCompatible(at pos, module, template string) bool {
	m := l.modules[module]
	if m == nil || len(m.Templates) == 0 || contains(m.Templates, template) {
		return true
	}
	l.ds.at(at, fmt.Sprintf("%s allows templates: %s; add %s there or do not use the module",
		m.Path, strings.Join(m.Templates, ", "), template),
		"module %q is not compatible with template %q", module, template)
	return false
}

// cycles returns every elementary dependency cycle found by a depth-first
// walk, each rotated to start at its smallest name and closed
// (a -> b -> a), sorted.
func (l *loader) cycles() [][]string {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	seen := map[string]bool{}
	var out [][]string
	var visit func(string)
	visit = func(n string) {
		state[n] = active
		stack = append(stack, n)
		m := l.modules[n]
		reqs := append([]string(nil), m.Requires...)
		sort.Strings(reqs)
		for _, r := range reqs {
			if l.modules[r] == nil {
				continue
			}
			switch state[r] {
			case unseen:
				visit(r)
			case active:
				i := indexOf(stack, r)
				c := rotate(stack[i:])
				key := strings.Join(c, " ")
				if !seen[key] {
					seen[key] = true
					out = append(out, append(c, c[0]))
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, n := range sortedKeys(l.modules) {
		if state[n] == unseen {
			visit(n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], " ") < strings.Join(out[j], " ") })
	return out
}

// rotate returns c rotated to start at its smallest element.
func rotate(c []string) []string {
	min := 0
	for i := range c {
		if c[i] < c[min] {
			min = i
		}
	}
	return append(append([]string(nil), c[min:]...), c[:min]...)
}

// order returns the modules in dependency order: a module after every module
// it requires, ties broken by name. ok is false if they contain a cycle.
func (l *loader) order(mods map[string]bool) (ordered []string, ok bool) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for n := range mods {
		indeg[n] += 0
		for _, r := range l.modules[n].Requires {
			if mods[r] {
				indeg[n]++
				users[r] = append(users[r], n)
			}
		}
	}
	var ready []string
	for n, d := range indeg {
		if d == 0 {
			ready = append(ready, n)
		}
	}
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		ordered = append(ordered, n)
		for _, u := range users[n] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	return ordered, len(ordered) == len(mods)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
