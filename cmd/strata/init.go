package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// starterRepo is the config repo `strata init` writes: the smallest fleet
// that shows every layer, and that `strata validate` accepts.
var starterRepo = map[string]string{
	"strata.yaml": `# strata.yaml: fleet-wide settings. See docs/config.md for every key.
servers:
  primary:
    # ${VAR} and ${VAR:-default} are expanded from the environment.
    dsn: ${STRATA_PRIMARY_DSN:-root:@tcp(127.0.0.1:3306)/}
defaults:
  server: primary
  charset: utf8mb4
  collation: utf8mb4_unicode_ci
database_prefix: tenant_        # tenant "acme" -> database tenant_acme
landlord: { server: primary, database: strata }
dev: { server: primary }
drift: { strategy: report }
`,
	"basic/001_users.sql": `-- Layer 1: every tenant gets these tables.
CREATE TABLE users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(191) NOT NULL,
  name VARCHAR(191) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY users_email (email)
);

CREATE TABLE settings (
  name VARCHAR(100) NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
`,
	"basic/seed/001_settings.sql": `-- Runs once per tenant, as a Go template: .Tenant.Name and .Vars.<key> (the
-- tenant's vars:) are available inside double braces, even in comments;
-- quote renders a SQL string literal.
INSERT INTO settings (name, value) VALUES ('display_name', {{ quote .Vars.display_name }});
`,
	"templates/starter/template.yaml": `name: starter
version: 1.0.0
description: A starting point; copy it for each kind of customer
modules: { required: [], optional: [notes] }
approve: { destructive: [] }
`,
	"templates/starter/001_projects.sql": `-- Layer 2: tenants whose template is "starter".
CREATE TABLE projects (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(191) NOT NULL
);
`,
	"modules/notes/module.yaml": `name: notes
description: Notes attached to projects
requires: []
conflicts: []
templates: []                   # empty: compatible with every template
`,
	"modules/notes/001_notes.sql": `-- Layer 3: tenants that enable the "notes" module.
CREATE TABLE notes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id BIGINT UNSIGNED NOT NULL,
  body TEXT NOT NULL,
  CONSTRAINT notes_project FOREIGN KEY (project_id) REFERENCES projects (id)
);
`,
	"tenants/acme/tenant.yaml": `name: acme
description: The first tenant
template: starter
modules: [notes]
status: active                  # active | suspended | decommissioned
labels: { plan: trial }
wave: 0                         # staged rollout: lower waves go first
vars: { display_name: Acme Ltd }
approve:
  destructive: []               # e.g. "DROP COLUMN notes.body", approved by merging
`,
}

// newInitCmd is `strata init DIR`: write a small working config repo.
func newInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Write a small working config repo (strata.yaml, basic, a template, a module, a tenant) to start from",
		Long: `Write a small config repo into DIR (created if missing) that strata validate
accepts: strata.yaml, basic/, templates/starter, modules/notes and tenants/acme.
Nothing is overwritten: if any of the files exists, nothing is written.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			paths := make([]string, 0, len(starterRepo))
			for p := range starterRepo {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			var existing []string
			for _, p := range paths {
				_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
				if err == nil {
					existing = append(existing, p)
				} else if !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("init: %w", err)
				}
			}
			if len(existing) > 0 {
				return &exitError{code: 1, err: fmt.Errorf("init: %s already has %s; nothing written: choose an empty directory or move them away",
					dir, strings.Join(existing, ", "))}
			}
			for _, p := range paths {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					return fmt.Errorf("init: %w", err)
				}
				// O_EXCL: never overwrite, even a file created since the check.
				f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
				if err != nil {
					return fmt.Errorf("init: %w", err)
				}
				if _, err := f.WriteString(starterRepo[p]); err != nil {
					f.Close()
					return fmt.Errorf("init: write %s: %w", full, err)
				}
				if err := f.Close(); err != nil {
					return fmt.Errorf("init: %w", err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote a config repo to %s (%d files); next: strata validate --repo %s\n", dir, len(paths), dir)
			return nil
		},
	}
}
