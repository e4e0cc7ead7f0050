// Package schemas holds the CUE definitions of the strata config repo format:
// #Config (strata.yaml), #Template, #Module and #Tenant. They are the only
// source of the format's rules; package spec validates every YAML document
// against them.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
)

// FS holds the CUE definition files (package strata).
//
//go:embed *.cue
var FS embed.FS

// Definition names of each kind, as declared in the CUE files.
const (
	Config   = "#Config"
	Template = "#Template"
	Module   = "#Module"
	Tenant   = "#Tenant"
)

// Files returns the CUE files by name, sorted by name.
func Files() (names []string, contents map[string]string, err error) {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		return nil, nil, err
	}
	contents = make(map[string]string, len(entries))
	for _, e := range entries {
		b, err := fs.ReadFile(FS, e.Name())
		if err != nil {
			return nil, nil, err
		}
		names = append(names, e.Name())
		contents[e.Name()] = string(b)
	}
	sort.Strings(names)
	return names, contents, nil
}

// Source returns every CUE file, concatenated in name order, each preceded by
// a comment naming it.
func Source() (string, error) {
	names, contents, err := Files()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("// schemas/" + n + "\n")
		b.WriteString(contents[n])
	}
	return b.String(), nil
}

// Value builds the definitions in ctx as one CUE package value. Positions in
// the value name the files as "schemas/<file>.cue".
func Value(ctx *cue.Context) (cue.Value, error) {
	names, contents, err := Files()
	if err != nil {
		return cue.Value{}, fmt.Errorf("schemas: %w", err)
	}
	inst := build.NewContext().NewInstance("strata", nil)
	for _, n := range names {
		if err := inst.AddFile("schemas/"+n, contents[n]); err != nil {
			return cue.Value{}, fmt.Errorf("schemas: %w", err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("schemas: %w", err)
	}
	return v, nil
}
