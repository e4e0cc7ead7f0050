package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// seedParseFuncs declares the functions seed templates may call besides
// text/template's builtins, so the loader can parse seeds. Only their names
// matter here: reconciler/seed implements them (quote is seed.Quote).
func seedParseFuncs() template.FuncMap {
	return template.FuncMap{"quote": func(any) string { return "" }}
}

// readLayer reads dir/*.sql (DDL) and dir/seed/*.sql (seeds), in lexical
// order, and checks every statement.
func (l *loader) readLayer(kind LayerKind, name, dir string) *Layer {
	layer := &Layer{Kind: kind, Name: name}
	if kind == LayerBasic && l.link(dir) { // other layer directories were listed
		return layer
	}
	layer.Files = l.readSQL(dir, false)
	if seed := path.Join(dir, "seed"); !l.link(seed) {
		layer.Seeds = l.readSQL(seed, true)
	}
	return layer
}

// link reports p when it is a symbolic link (or a submodule), which strata
// never follows: in a working tree it could point outside the repo, and a
// commit holds only the link. Paths that do not exist are not links.
func (l *loader) link(p string) bool {
	fi, err := fs.Lstat(l.fsys, p)
	return err == nil && l.linkMode(p, fi.Mode())
}

// linkEntry is link for an entry of a directory listing, without a lookup.
func (l *loader) linkEntry(p string, e fs.DirEntry) bool { return l.linkMode(p, e.Type()) }

func (l *loader) linkMode(p string, m fs.FileMode) bool {
	if m&(fs.ModeSymlink|fs.ModeIrregular) == 0 {
		return false
	}
	l.ds.add(p, 0, 0, "replace the link with the file or directory itself",
		"%s is a symbolic link (or submodule); strata does not follow links in a config repo", p)
	return true
}

// readSQL reads and checks the .sql files directly in dir.
func (l *loader) readSQL(dir string, seed bool) []*File {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.ds.add(dir, 0, 0, "check the directory's permissions", "cannot read directory: %v", err)
		}
		return nil
	}
	var files []*File
	for _, e := range entries { // fs.ReadDir sorts by name
		p := path.Join(dir, e.Name())
		if e.IsDir() && (seed || e.Name() != "seed") {
			l.unreadSQL(dir, p, seed)
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") || l.linkEntry(p, e) {
			continue
		}
		content, err := fs.ReadFile(l.fsys, p)
		if err != nil {
			l.ds.add(p, 0, 0, "check the file's permissions", "cannot read file: %v", err)
			continue
		}
		sum := sha256.Sum256(content)
		f := &File{Path: p, Content: content, Hash: hex.EncodeToString(sum[:])}
		f.Statements, f.Renames = l.checkSQL(p, string(content), seed)
		files = append(files, f)
	}
	return files
}

// unreadSQL reports the .sql files under sub, a subdirectory of layer
// directory dir that strata does not read, so none is silently ignored.
func (l *loader) unreadSQL(dir, sub string, seed bool) {
	where := fmt.Sprintf("directly in %s (DDL) or in %s/seed (seed data)", dir, dir)
	if seed {
		where = "directly in " + dir
	}
	_ = fs.WalkDir(l.fsys, sub, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".sql") {
			l.ds.add(p, 0, 0, "move it "+where+", or remove it", "%s is in a subdirectory, which strata does not read", p)
		}
		return nil
	})
}

// checkSQL splits one file into statements and reports every rejected one.
// Layer DDL may declare renames (spec.Rename).
func (l *loader) checkSQL(p, src string, seed bool) ([]Statement, []Rename) {
	if seed {
		l.checkSeedTemplate(p, src)
	}
	stmts, lexErr := splitSQL(src, seed)
	if lexErr != nil {
		l.ds.add(p, lexErr.Line, lexErr.Col, "close it; a quote inside a string is written twice ('it''s') or escaped (\\')", "%s", lexErr.Msg)
		return nil, nil
	}
	out := make([]Statement, 0, len(stmts))
	for _, s := range stmts {
		var ps []sqlProblem
		if seed {
			ps = checkSeedStmt(s.toks)
		} else {
			ps = checkLayerStmt(s.toks, l.engines())
		}
		for _, pr := range ps {
			l.ds.add(p, pr.tok.line, pr.tok.col, pr.hint, "%s", pr.msg)
		}
		out = append(out, Statement{SQL: s.sql, Line: s.toks[0].line})
	}
	if seed {
		return out, nil
	}
	return out, l.renamesIn(p, src, stmts)
}

// templateErrLine matches text/template's "template: NAME:LINE: msg" and
// "template: NAME:LINE:COL: msg".
var templateErrLine = regexp.MustCompile(`^template: .*?:(\d+):(?:(\d+):)? (.*)$`)

// checkSeedTemplate reports a seed file that is not a valid Go text/template
// or prints a variable in a way strata cannot check, and keeps its variable
// uses for checkSeedVars.
func (l *loader) checkSeedTemplate(p, src string) {
	_, err := template.New(p).Funcs(seedParseFuncs()).Option("missingkey=error").Parse(src)
	if err == nil {
		uses, err := SeedVarUses(src)
		var se *SQLError
		if errors.As(err, &se) {
			l.ds.add(p, se.Line, se.Col, se.Hint, "%s", se.Msg)
		}
		if l.seedVars == nil {
			l.seedVars = map[string][]VarUse{}
		}
		l.seedVars[p] = uses
		return
	}
	line, col, msg := 0, 0, err.Error()
	if m := templateErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		col, _ = strconv.Atoi(m[2])
		msg = m[3]
	}
	l.ds.add(p, line, col, "seed files are Go text/template: fix the {{ }} action (variables are {{ .Tenant.Name }}, {{ .Vars.key }})", "invalid seed template: %s", msg)
}
