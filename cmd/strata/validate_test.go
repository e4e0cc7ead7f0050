package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	valid := map[string]string{
		"strata.yaml":                  "servers: {primary: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}\n",
		"basic/001.sql":                "CREATE TABLE users (id INT PRIMARY KEY);\n",
		"templates/ngo/template.yaml":  "name: ngo\nversion: 1.0.0\n",
		"tenants/alpha/tenant.yaml":    "name: alpha\ntemplate: ngo\n",
		"tenants/beta/tenant.yaml":     "name: beta\ntemplate: ngo\n",
		"tenants/beta/001_custom.sql":  "ALTER TABLE users ADD COLUMN x INT;\n",
		"modules/unused/module.yaml":   "name: unused\n",
		"modules/unused/001_m.sql":     "CREATE TABLE m (id INT);\n",
		"templates/ngo/seed/001.sql":   "INSERT INTO users (id) VALUES (1);\n",
		"tenants/alpha/seed/001_s.sql": "UPDATE users SET id = 2 WHERE id = 1;\n",
	}
	tests := []struct {
		name       string
		files      map[string]string // laid over valid; "" deletes
		wantCode   int
		wantStdout string
		wantStderr []string
	}{
		{name: "valid", wantCode: 0, wantStdout: "REPO: valid: 2 tenants, 1 template, 1 module\n"},
		{
			name: "invalid reports every problem",
			files: map[string]string{
				"tenants/alpha/tenant.yaml": "name: alpha\ntemplate: ngoo\n",
				"basic/002.sql":             "CREATE TABLE t (id INT);\nUSE other;\n",
			},
			wantCode: 1,
			wantStderr: []string{
				"basic/002.sql:2:1: USE is not allowed\n\t",
				"tenants/alpha/tenant.yaml:2:11: unknown template \"ngoo\"\n\tdid you mean \"ngo\"?",
				"strata: REPO: invalid: 2 problems",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, valid)
			writeFiles(t, dir, tt.files)
			code, stdout, stderr := runBin(t, "validate", "--repo", dir)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			if want := strings.ReplaceAll(tt.wantStdout, "REPO", dir); stdout != want {
				t.Errorf("stdout = %q, want %q", stdout, want)
			}
			for _, w := range tt.wantStderr {
				if w = strings.ReplaceAll(w, "REPO", dir); !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestValidateExamples(t *testing.T) {
	code, stdout, stderr := runBin(t, "validate", "--repo", filepath.Join("..", "..", "examples"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "../../examples: valid: 7 tenants, 3 templates, 5 modules\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestValidateMissingRepo(t *testing.T) {
	code, _, stderr := runBin(t, "validate", "--repo", filepath.Join(t.TempDir(), "nope"))
	if code != 1 || !strings.Contains(stderr, "no such file or directory") {
		t.Errorf("exit %d, stderr %q; want 1 and the missing directory named", code, stderr)
	}
}

// runBin runs strataBin with args and returns its exit code and output.
func runBin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(strataBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// writeFiles writes files (slash paths -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Symbolic links never take the loader out of the repo (issue 11 item 6): a
// layer file linked outside, a seed linked to /etc/passwd and a linked tenant
// directory are each reported, and nothing they point at is read.
func TestValidateSymlinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{
		"strata.yaml":                 "servers: {primary: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}\n",
		"basic/001.sql":               "CREATE TABLE users (id INT PRIMARY KEY);\n",
		"templates/ngo/template.yaml": "name: ngo\nversion: 1.0.0\n",
		"tenants/alpha/tenant.yaml":   "name: alpha\ntemplate: ngo\n",
	})
	writeFiles(t, outside, map[string]string{
		"planted.sql":       "CREATE TABLE planted (id INT);\n",
		"gamma/tenant.yaml": "name: gamma\ntemplate: ngo\n",
	})
	links := map[string]string{
		"basic/002_link.sql":            filepath.Join(outside, "planted.sql"),
		"templates/ngo/seed/passwd.sql": "/etc/passwd",
		"tenants/gamma":                 filepath.Join(outside, "gamma"),
	}
	for p, target := range links {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := runBin(t, "validate", "--repo", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	for p := range links {
		if want := p + ": " + p + " is a symbolic link"; !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "root:") || strings.Contains(stderr, "planted") {
		t.Errorf("a linked file was read:\n%s", stderr)
	}
}

// validate --ref checks the commit the daemon would load, not the working
// tree, and names it.
func TestValidateRef(t *testing.T) {
	g := newGitRepo(t)
	g.commit("valid", map[string]string{
		"strata.yaml":                 "servers: {primary: {dsn: 'root:@tcp(127.0.0.1:3306)/'}}\n",
		"basic/001.sql":               "CREATE TABLE users (id INT PRIMARY KEY);\n",
		"templates/ngo/template.yaml": "name: ngo\nversion: 1.0.0\n",
		"tenants/alpha/tenant.yaml":   "name: alpha\ntemplate: ngo\n",
	})
	head := g.git("rev-parse", "HEAD")
	writeFiles(t, g.dir, map[string]string{"basic/002.sql": "CREATE TABLE leak AS SELECT LOAD_FILE('/etc/hostname') AS f;\n"})

	code, _, stderr := runBin(t, "validate", "--repo", g.dir)
	if code != 1 || !strings.Contains(stderr, "basic/002.sql:1:") {
		t.Fatalf("working tree: exit %d, want 1 naming basic/002.sql:\n%s", code, stderr)
	}
	code, stdout, stderr := runBin(t, "validate", "--repo", g.dir, "--ref", "main")
	if want := g.dir + "@" + head[:12] + ": valid: 1 tenant, 1 template, 0 modules\n"; code != 0 || stdout != want {
		t.Fatalf("--ref main: exit %d, stdout %q, want 0 and %q\n%s", code, stdout, want, stderr)
	}

	if err := os.Symlink("001.sql", filepath.Join(g.dir, "basic", "003_link.sql")); err != nil {
		t.Fatal(err)
	}
	g.commit("link", map[string]string{"basic/002.sql": ""})
	code, _, stderr = runBin(t, "validate", "--repo", g.dir, "--ref", "main")
	if code != 1 || !strings.Contains(stderr, "basic/003_link.sql: basic/003_link.sql is a symbolic link") {
		t.Fatalf("committed link: exit %d, want 1 naming basic/003_link.sql:\n%s", code, stderr)
	}
}
