package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stratadb/strata/layers/fingerprint"
	"github.com/stratadb/strata/spec/ident"
)

// fleet is a config repo of n tenants in a temporary directory, whose
// databases, users and landlord share a prefix unique to the run.
type fleet struct {
	cfg      config
	db       *sql.DB
	more     []*sql.DB // further servers (bench-servers), in cfg.dsns order
	spread   int       // servers the tenants are spread over (0 or 1: the -dsn server)
	n        int
	prefix   string // of every database and user the run creates
	dir      string // the config repo
	names    []string
	ddl      string // the layer DDL, in order, for the floor
	key      string // STRATA_SECRET_KEY
	floorDBs []string
}

// newFleet writes a fleet of n tenants on the -dsn server (more and spread
// empty), or spread round-robin over the first spread servers of db and more.
func newFleet(cfg config, db *sql.DB, n int, more []*sql.DB, spread int) (*fleet, error) {
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	dir, err := os.MkdirTemp("", "strata-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	f := &fleet{cfg: cfg, db: db, more: more, spread: spread, n: n, prefix: "bench_" + hex.EncodeToString(b[:]) + "_", dir: dir, key: hex.EncodeToString(k[:])}
	if err := f.write(); err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return f, nil
}

// write lays out the config repo: the example basic layer and the ngo
// template's tables (11 tables; the template's required module left out),
// seeds included, and n tenants.
func (f *fleet) write() error {
	files := map[string]string{
		"strata.yaml":                   f.strataYAML(),
		"templates/bench/template.yaml": "name: bench\nversion: 1.0.0\ndescription: basic + ngo tables\n",
	}
	var ddl strings.Builder
	copyDir := func(from, to string, collect bool) error {
		paths, err := filepath.Glob(filepath.Join(f.cfg.examples, from, "*.sql"))
		if err != nil {
			return err
		}
		if len(paths) == 0 {
			return fmt.Errorf("bench: no SQL files in %s: run from the repository root", filepath.Join(f.cfg.examples, from))
		}
		slices.Sort(paths)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			files[to+"/"+filepath.Base(p)] = string(b)
			if collect {
				ddl.Write(b)
				ddl.WriteString("\n")
			}
		}
		return nil
	}
	for _, c := range []struct {
		from, to string
		ddl      bool
	}{{"basic", "basic", true}, {"basic/seed", "basic/seed", false}, {"templates/ngo", "templates/bench", true}, {"templates/ngo/seed", "templates/bench/seed", false}} {
		if err := copyDir(c.from, c.to, c.ddl); err != nil {
			return err
		}
	}
	f.ddl = ddl.String()
	for i := range f.n {
		name := fmt.Sprintf("t%05d", i)
		f.names = append(f.names, name)
		server := ""
		if f.spread > 1 {
			server = fmt.Sprintf("server: s%d\n", i%f.spread)
		}
		files["tenants/"+name+"/tenant.yaml"] = fmt.Sprintf("name: %s\ntemplate: bench\n%svars: { display_name: Tenant %d, swc_number: SWC-%d, locale: en }\n", name, server, i, i)
	}
	for p, body := range files {
		full := filepath.Join(f.dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
	}
	return nil
}

// strataYAML is the fleet's strata.yaml: the -dsn server as main (landlord,
// dev database, tenants), or with bench-servers every server as s0, s1, ...
// (s0 the -dsn one, holding the landlord and the dev database).
func (f *fleet) strataYAML() string {
	var b strings.Builder
	b.WriteString("servers:\n")
	def := "main"
	if len(f.cfg.dsns) == 0 {
		fmt.Fprintf(&b, "  main:\n    dsn: %q\n", f.cfg.dsn)
	} else {
		def = "s0"
		for i, dsn := range f.cfg.dsns {
			fmt.Fprintf(&b, "  s%d:\n    dsn: %q\n", i, dsn)
		}
	}
	fmt.Fprintf(&b, "defaults: { server: %s, charset: utf8mb4, collation: utf8mb4_unicode_ci }\n"+
		"database_prefix: %s\nlandlord: { server: %s, database: %sll }\ndev: { server: %s }\n", def, f.prefix, def, f.prefix, def)
	return b.String()
}

func (f *fleet) database(name string) string { return f.prefix + name }

// run is one timed run of the strata binary.
type run struct {
	took   time.Duration
	maxRSS int64 // KiB
	stdout []byte
}

// strata runs the binary on the fleet; an exit code outside ok is an error.
func (f *fleet) strata(ctx context.Context, ok []int, args ...string) (run, error) {
	args = append(args, "--repo", f.dir, "--concurrency", fmt.Sprint(f.cfg.concurrency))
	cmd := exec.CommandContext(ctx, f.cfg.strata, args...)
	cmd.Env = append(os.Environ(), "STRATA_SECRET_KEY="+f.key)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := run{took: time.Since(start), stdout: out.Bytes()}
	if cmd.ProcessState == nil {
		return r, fmt.Errorf("bench: strata %s: %w", args[0], err)
	}
	if ru, isRU := cmd.ProcessState.SysUsage().(*syscall.Rusage); isRU {
		r.maxRSS = ru.Maxrss
	}
	if code := cmd.ProcessState.ExitCode(); !slices.Contains(ok, code) {
		return r, fmt.Errorf("bench: strata %s exited %d: %s%s%s", args[0], code, tail(errb.String()), failedLines(out.String()), tail(out.String()))
	}
	return r, nil
}

// provisionScript creates a floor database with strata's two users and
// their grants (issue 14's floor), and runs the layer DDL in it. Each user
// is created by its GRANT, as strata does on MariaDB: CREATE USER costs
// the server more with every user it has (reconciler/provision.go).
func (f *fleet) provisionScript(db string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n", db)
	for _, u := range []struct{ suffix, grant string }{{"_app", "SELECT, INSERT, UPDATE, DELETE"}, {"_mig", "ALL PRIVILEGES"}} {
		fmt.Fprintf(&b, "SET STATEMENT sql_mode = '' FOR GRANT %s ON %s.* TO '%s%s'@'%%' IDENTIFIED BY '%s';\n",
			u.grant, ident.GrantDB(db), db, u.suffix, f.key[:24])
	}
	fmt.Fprintf(&b, "USE `%s`;\n%s\n", db, f.ddl)
	return b.String()
}

// rolloutDDL is the change rolled out to every tenant: one column and one
// index (issue 14's rollout), in one statement for the floor.
const (
	rolloutIndex = "bench_rollout_idx"
	rolloutDDL   = "ALTER TABLE users ADD COLUMN bench_rollout VARCHAR(64) NULL, ADD INDEX " + rolloutIndex + " (bench_rollout);\n"
)

func (f *fleet) rolloutScript(db string) string {
	return "USE `" + db + "`;\n" + rolloutDDL
}

func (f *fleet) addRolloutColumn() error {
	return os.WriteFile(filepath.Join(f.dir, "basic", "900_bench_rollout.sql"), []byte(rolloutDDL), 0o644)
}

// clientFloor streams script(db) for n floor databases through as many
// mariadb client processes as strata has workers, and times it. The floor
// databases mirror the tenants (same names after a floor_ prefix).
func (f *fleet) clientFloor(ctx context.Context, script func(db string) string) (time.Duration, error) {
	if f.floorDBs == nil {
		for _, n := range f.names {
			f.floorDBs = append(f.floorDBs, f.prefix+"floor_"+n)
		}
	}
	cfg, err := mysql.ParseDSN(f.cfg.dsn)
	if err != nil {
		return 0, errors.New("bench: -dsn is not a go-sql-driver/mysql DSN")
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	streams := make([]strings.Builder, f.cfg.concurrency)
	for i, db := range f.floorDBs {
		streams[i%len(streams)].WriteString(script(db))
	}
	errs := make([]error, len(streams))
	var wg sync.WaitGroup
	start := time.Now()
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, "mariadb", "--protocol=tcp", "-h", host, "-P", or(port, "3306"), "-u", cfg.User, "--batch")
			cmd.Env = append(os.Environ(), "MYSQL_PWD="+cfg.Passwd)
			cmd.Stdin = strings.NewReader(streams[i].String())
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("bench: mariadb client floor: %w: %s", err, tail(string(out)))
			}
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

// fingerprintFloor times one bulk pass of the information_schema queries
// over the tenant databases, as strata runs it.
func (f *fleet) fingerprintFloor(ctx context.Context) (time.Duration, error) {
	dbs := make([]string, len(f.names))
	for i, n := range f.names {
		dbs[i] = f.database(n)
	}
	start := time.Now()
	fps, err := fingerprint.Schemas(ctx, f.db, dbs)
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	if len(fps) != len(dbs) {
		return 0, fmt.Errorf("bench: fingerprint pass found %d of %d tenant databases", len(fps), len(dbs))
	}
	return took, nil
}

// driftSome adds a column by hand to k tenants spread over the fleet.
func (f *fleet) driftSome(ctx context.Context, k int) (map[string]bool, error) {
	out := map[string]bool{}
	step := f.n / k
	for i := 0; i < f.n && len(out) < k; i += step {
		name := f.names[i]
		if _, err := f.db.ExecContext(ctx, "ALTER TABLE `"+f.database(name)+"`.users ADD COLUMN hand_note INT NULL"); err != nil {
			return nil, fmt.Errorf("bench: drift %s: %w", name, err)
		}
		out[name] = true
	}
	return out, nil
}

// dropLike drops every database whose name starts with prefix, on every
// server of the fleet, two at a time.
func (f *fleet) dropLike(ctx context.Context, prefix string) error {
	like := strings.ReplaceAll(prefix, "_", `\_`) + "%"
	var errs []error
	for _, db := range f.dbs() {
		dbs, err := strings1(ctx, db, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", like)
		errs = append(errs, err)
		var mu sync.Mutex
		var wg sync.WaitGroup
		work := make(chan string)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for d := range work {
					_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+d+"`")
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		for _, d := range dbs {
			work <- d
		}
		close(work)
		wg.Wait()
	}
	return errors.Join(errs...)
}

// dbs is a connection to every server of the fleet, the -dsn one first.
func (f *fleet) dbs() []*sql.DB {
	return append([]*sql.DB{f.db}, f.more...)
}

// cleanup drops every database and user with the run's prefix and the repo.
func (f *fleet) cleanup(ctx context.Context) error {
	// Dropping 10,000 databases and 20,000 users took over 10 minutes.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute+time.Duration(f.n)*200*time.Millisecond)
	defer cancel()
	err := errors.Join(f.dropLike(ctx, f.prefix), f.dropUsersLike(ctx, f.prefix), os.RemoveAll(f.dir))
	if err != nil {
		return fmt.Errorf("bench: cleanup of %s*: %w", f.prefix, err)
	}
	return nil
}

// dropUsersLike drops every user whose name starts with prefix, on every
// server of the fleet.
func (f *fleet) dropUsersLike(ctx context.Context, prefix string) error {
	var errs []error
	like := strings.ReplaceAll(prefix, "_", `\_`) + "%"
	for _, db := range f.dbs() {
		users, err := strings1(ctx, db, "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user WHERE user LIKE ?", like)
		errs = append(errs, err)
		for len(users) > 0 { // a few hundred a statement
			k := min(len(users), 500)
			_, err := db.ExecContext(ctx, "DROP USER IF EXISTS "+strings.Join(users[:k], ", "))
			errs = append(errs, err)
			users = users[k:]
		}
	}
	return errors.Join(errs...)
}

func strings1(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// failedLines are the lines of strata's output that name a failed tenant,
// which a tail of a large fleet's output would cut off.
func failedLines(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, ": failed") && b.Len() < 4000 {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
