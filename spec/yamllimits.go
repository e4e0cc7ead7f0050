package spec

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on a YAML definition file, checked before CUE sees it: a small file
// with tens of thousands of keys (or aliases that expand to them) would
// otherwise take CUE seconds and hundreds of megabytes. Real definitions are
// a few kilobytes with dozens of keys.
const (
	maxYAMLBytes   = 256 << 10 // bytes of one file
	maxMappingKeys = 1000      // keys of one mapping (labels, vars, servers)
	maxYAMLNodes   = 20000     // values of one file, aliases expanded
)

// precheckYAML reports a definition file over the limits above and every
// duplicate key, with its line. It reports whether the file may go on to
// CUE; YAML syntax errors are left to CUE's parser, which reports them.
func precheckYAML(path string, src []byte, ds *diags) bool {
	if len(src) > maxYAMLBytes {
		ds.add(path, 0, 0, "definition files hold a few keys each; move bulk data out of the config repo",
			"file is %d bytes; strata reads definition files of up to %d KiB", len(src), maxYAMLBytes>>10)
		return false
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return true
	}
	w := yamlWalk{path: path, ds: ds, budget: maxYAMLNodes}
	before := len(ds.list)
	w.node(&root, nil, 0)
	return len(ds.list) == before
}

// yamlWalk visits a YAML tree once, within a node budget.
type yamlWalk struct {
	path   string
	ds     *diags
	budget int
}

// maxYAMLDepth bounds nesting (and alias chains) in definition files.
const maxYAMLDepth = 64

// node visits n at key path at, and reports false once the walk must stop.
func (w *yamlWalk) node(n *yaml.Node, at []string, depth int) bool {
	w.budget--
	if w.budget < 0 || depth > maxYAMLDepth {
		w.ds.add(w.path, n.Line, n.Column, "definition files hold a few keys each; remove the bulk (and any aliases that repeat it)",
			"too many values: strata reads definition files of up to %d values, nested at most %d deep", maxYAMLNodes, maxYAMLDepth)
		return false
	}
	switch n.Kind {
	case yaml.AliasNode:
		return n.Alias == nil || w.node(n.Alias, at, depth+1)
	case yaml.MappingNode:
		return w.mapping(n, at, depth)
	}
	for _, c := range n.Content {
		if !w.node(c, at, depth+1) {
			return false
		}
	}
	return true
}

func (w *yamlWalk) mapping(n *yaml.Node, at []string, depth int) bool {
	where := "the document"
	if len(at) > 0 {
		where = strings.Join(at, ".")
	}
	if keys := len(n.Content) / 2; keys > maxMappingKeys {
		w.ds.add(w.path, n.Line, n.Column, "keep labels, vars and other maps to a few dozen keys",
			"%s has %d keys; strata allows %d in one mapping", where, keys, maxMappingKeys)
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode {
			if first, dup := seen[k.Value]; dup {
				w.ds.add(w.path, k.Line, k.Column, fmt.Sprintf("remove one of them (the first is at line %d)", first),
					"duplicate key %q in %s", k.Value, where)
			} else {
				seen[k.Value] = k.Line
			}
		}
		if !w.node(v, append(at[:len(at):len(at)], k.Value), depth+1) {
			return false
		}
	}
	return true
}
