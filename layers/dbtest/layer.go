package dbtest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/stratadb/strata/spec"
)

// Layer returns a layer with one file at path holding ddl, split into
// statements at semicolons that end a line, skipping blank and -- comment
// lines between statements (enough for test DDL; the real splitter lives in
// package spec).
func Layer(kind spec.LayerKind, name, path, ddl string) *spec.Layer {
	return &spec.Layer{Kind: kind, Name: name, Files: []*spec.File{File(path, ddl)}}
}

// File returns a layer file at path holding ddl, split like Layer does.
func File(path, ddl string) *spec.File {
	sum := sha256.Sum256([]byte(ddl))
	f := &spec.File{Path: path, Content: []byte(ddl), Hash: hex.EncodeToString(sum[:])}
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(ddl, "\n") {
		if cur.Len() == 0 {
			if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "--") {
				continue
			}
			start = i + 1
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if t := strings.TrimSpace(line); strings.HasSuffix(t, ";") {
			f.Statements = append(f.Statements, spec.Statement{SQL: strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"), Line: start})
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		f.Statements = append(f.Statements, spec.Statement{SQL: s, Line: start})
	}
	return f
}
