package spec

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stratadb/strata/schemas"
)

// DefaultLockWaitTimeout is apply.lock_wait_timeout when strata.yaml sets none.
const DefaultLockWaitTimeout = 5 * time.Second

// loadConfig reads strata.yaml, expands the server DSNs and checks that the
// servers it names exist.
func (l *loader) loadConfig() Config {
	d, ok := l.decodeFile(configPath, schemas.Config, &l.config)
	if d == nil && !ok {
		l.ds.add(configPath, 0, 0, "create strata.yaml at the repo root (strata init writes one)", "missing strata.yaml")
		return Config{}
	}
	if !ok {
		return Config{}
	}
	l.configDoc, l.configOK = d, true
	raw := l.config
	l.checkApprovals(d, raw.Approve.Destructive, false)
	c := Config{
		Servers:        map[string]Server{},
		Defaults:       Defaults{Server: raw.Defaults.Server, Charset: raw.Defaults.Charset, Collation: raw.Defaults.Collation},
		DatabasePrefix: raw.DatabasePrefix,
		Landlord:       Landlord{Server: raw.Landlord.Server, Database: raw.Landlord.Database},
		Dev:            Dev{Server: raw.Dev.Server},
		Engines:        raw.Layers.Engines,
		Drift:          Drift{Strategy: DriftStrategy(raw.Drift.Strategy)},
		Approve:        Approve{Destructive: normApprovals(raw.Approve.Destructive)},
		Apply:          Apply{LockWaitTimeout: DefaultLockWaitTimeout},
		Archive:        raw.Archive.archive(),
	}
	c.Notify = l.receivers(d, raw.Notify)
	c.Rollout = l.rollout(d)
	if w, err := time.ParseDuration(raw.Apply.LockWaitTimeout); err == nil {
		c.Apply.LockWaitTimeout = w // the schema allows whole seconds or minutes only
	}
	names := make([]string, 0, len(raw.Servers))
	for name := range raw.Servers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		at := d.pos("servers", name, "dsn")
		dsn, problems := expandEnv(raw.Servers[name].DSN, l.opts.lookupEnv)
		for _, p := range problems {
			l.ds.at(at, "set the variable, or give a default: ${NAME:-value}", "servers.%s.dsn: %s", name, p)
		}
		if len(problems) == 0 {
			// The DSN is a secret: report the parser's complaint, never the DSN.
			if _, err := ParseServerDSN(dsn); err != nil {
				l.ds.at(at, "write a go-sql-driver/mysql DSN such as user:password@tcp(host:3306)/ (a / or @ in the password must be percent-encoded)", "servers.%s.dsn: not a valid DSN", name)
			}
		}
		c.Servers[name] = Server{Name: name, DSN: dsn}
	}

	if c.Defaults.Server == "" {
		if len(names) == 1 {
			c.Defaults.Server = names[0]
		} else {
			l.ds.at(d.pos("servers"), "set defaults.server to one of: "+joinNames(names), "defaults.server is required when there are several servers")
		}
	} else {
		l.checkServer(d.pos("defaults", "server"), "defaults.server", c.Defaults.Server, names)
	}
	if c.Landlord.Server == "" {
		c.Landlord.Server = c.Defaults.Server
	} else {
		l.checkServer(d.pos("landlord", "server"), "landlord.server", c.Landlord.Server, names)
	}
	if c.Dev.Server == "" {
		c.Dev.Server = c.Defaults.Server
	} else {
		l.checkServer(d.pos("dev", "server"), "dev.server", c.Dev.Server, names)
	}
	c.Dev.StatementTimeout = l.statementTimeout(d, raw.Dev.StatementTimeout)
	if strings.HasPrefix(c.Landlord.Database, ScratchPrefix) {
		l.ds.at(d.pos("landlord", "database"), "choose another landlord.database",
			"landlord.database %q starts with %q, which strata reserves for its scratch databases (they are dropped)", c.Landlord.Database, ScratchPrefix)
	}
	return c
}

// maxStatementTimeout bounds dev.statement_timeout: a layer statement on an
// empty scratch database that needs longer is not a schema change.
const maxStatementTimeout = 10 * time.Minute

// statementTimeout parses dev.statement_timeout (CUE checked its shape).
func (l *loader) statementTimeout(d *doc, s string) time.Duration {
	if s == "" {
		return DefaultStatementTimeout
	}
	t, err := time.ParseDuration(s)
	if err != nil || t <= 0 || t > maxStatementTimeout {
		l.ds.at(d.pos("dev", "statement_timeout"), "write a duration such as 5s or 500ms, at most 10m",
			"dev.statement_timeout: %q is not a duration between 1ms and %s", s, maxStatementTimeout)
		return DefaultStatementTimeout
	}
	return t
}

// DefaultStatementTimeout is dev.statement_timeout when strata.yaml sets none.
const DefaultStatementTimeout = 5 * time.Second

// engines returns the storage-engine allow-list layer DDL is checked with.
func (l *loader) engines() []string {
	if l.configOK && len(l.config.Layers.Engines) > 0 {
		return l.config.Layers.Engines
	}
	return DefaultEngines
}

// checkServer reports a server name that strata.yaml does not define.
func (l *loader) checkServer(at pos, key, name string, known []string) bool {
	for _, k := range known {
		if k == name {
			return true
		}
	}
	hint := didYouMean(name, known, "servers in strata.yaml")
	l.ds.at(at, hint, "%s: unknown server %q", key, name)
	return false
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// normApprovals returns approvals deduplicated and sorted.
func normApprovals(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range lists {
		for _, a := range list {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

// databaseName derives a tenant's database name.
func databaseName(prefix, tenant string) string {
	b := []byte(tenant)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return fmt.Sprintf("%s%s", prefix, b)
}
