package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitWritesAValidRepo runs the real binary: init, then validate.
func TestInitWritesAValidRepo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	code, stdout, stderr := runBin(t, "init", dir)
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "8 files") {
		t.Errorf("init stdout = %q", stdout)
	}
	for _, p := range []string{"strata.yaml", "basic/001_users.sql", "templates/starter/template.yaml", "modules/notes/module.yaml", "tenants/acme/tenant.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("init did not write %s: %v", p, err)
		}
	}
	code, stdout, stderr = runBin(t, "validate", "--repo", dir)
	if code != 0 || stdout != dir+": valid: 1 tenant, 1 template, 1 module\n" {
		t.Errorf("validate: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	mine := "servers: {mine: {dsn: 'x@tcp(h:3306)/'}}\n"
	writeFiles(t, dir, map[string]string{"strata.yaml": mine})
	code, _, stderr := runBin(t, "init", dir)
	if code != 1 || !strings.Contains(stderr, "already has strata.yaml; nothing written") {
		t.Fatalf("exit %d, stderr %q; want 1 naming strata.yaml", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "strata.yaml")); string(b) != mine {
		t.Errorf("strata.yaml was changed to %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "basic")); !os.IsNotExist(err) {
		t.Errorf("init wrote other files although it refused: %v", err)
	}
}
