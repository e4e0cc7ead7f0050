package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/layers/snapshot"
	"github.com/stratadb/strata/spec"
	"github.com/stratadb/strata/spec/ident"
)

// faultFleet is a config repo (a working tree) whose only server is a
// private mariadbd the fault suite may kill. It remembers the layer files it
// wrote, so the desired schema can be built without strata (reference).
type faultFleet struct {
	t       *testing.T
	srv     *dbtest.Private
	db      *sql.DB // root on srv
	dir     string
	ll      string            // landlord database
	files   map[string]string // repo path -> content
	tenants map[string]bool   // name -> enables module events
	gen     int               // rollouts made by change
	took    time.Duration     // the last apply recovers ran
}

const faultPrefix = "ft_"

// clubRepo is the config repo of the cmd/strata tests but strata.yaml and
// tenants: path, content. Template club, module events, a seeded users table.
var clubRepo = [][2]string{
	{"basic/001_users.sql", "CREATE TABLE users (\n  id INT NOT NULL AUTO_INCREMENT,\n  email VARCHAR(190) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"},
	{"basic/seed/001_admin.sql", "INSERT INTO users (email) VALUES (CONCAT('admin@', {{ quote .Tenant.Name }}));\n"},
	{"templates/club/template.yaml", "name: club\nversion: 1.0.0\nmodules: { optional: [events] }\n"},
	{"templates/club/001_members.sql", "CREATE TABLE members (\n  id INT NOT NULL AUTO_INCREMENT,\n  name VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"},
	{"modules/events/module.yaml", "name: events\n"},
	{"modules/events/001_events.sql", "CREATE TABLE events (\n  id INT NOT NULL AUTO_INCREMENT,\n  title VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"},
}

func newFaultFleet(t *testing.T, srv *dbtest.Private) *faultFleet {
	f := &faultFleet{t: t, srv: srv, db: srv.Open(), dir: t.TempDir(), ll: faultPrefix + "ll",
		files: map[string]string{}, tenants: map[string]bool{}}
	f.write("strata.yaml", fmt.Sprintf("servers:\n  main:\n    dsn: %q\ndatabase_prefix: %s\nlandlord: { database: %s }\n", srv.DSN, faultPrefix, f.ll))
	for _, file := range clubRepo {
		f.write(file[0], file[1])
	}
	return f
}

func (f *faultFleet) write(path, content string) {
	p := filepath.Join(f.dir, filepath.FromSlash(path))
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
	f.files[path] = content
}

// tenant adds a tenant of template club, with module events or not.
func (f *faultFleet) tenant(name string, events bool) {
	extra := ""
	if events {
		extra = "modules: [events]\n"
	}
	f.write("tenants/"+name+"/tenant.yaml", "name: "+name+"\ntemplate: club\n"+extra)
	f.tenants[name] = events
}

// change makes the next rollout: a new table for every tenant, a new column
// for members, a new column for events.
func (f *faultFleet) change() {
	f.gen++
	g := f.gen
	f.write(fmt.Sprintf("basic/1%02d_gen.sql", g), fmt.Sprintf("CREATE TABLE gen%d (\n  id INT NOT NULL,\n  note VARCHAR(50) NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n", g))
	f.write(fmt.Sprintf("templates/club/1%02d_members.sql", g), fmt.Sprintf("ALTER TABLE members ADD COLUMN c%d INT NULL;\n", g))
	f.write(fmt.Sprintf("modules/events/1%02d_events.sql", g), fmt.Sprintf("ALTER TABLE events ADD COLUMN e%d INT NULL;\n", g))
}

func (f *faultFleet) database(tenant string) string {
	return faultPrefix + strings.ReplaceAll(tenant, "-", "_")
}

func (f *faultFleet) names() []string {
	var out []string
	for n := range f.tenants {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// strata is a `strata apply` started in the background.
type strata struct {
	cmd      *exec.Cmd
	out, err bytes.Buffer
	done     chan struct{}
}

// start starts `strata apply` on the fleet with extra args.
func (f *faultFleet) start(extra ...string) *strata {
	s := &strata{cmd: exec.Command(strataBin, append([]string{"apply", "--repo", f.dir, "--concurrency", "2"}, extra...)...), done: make(chan struct{})}
	s.cmd.Env = os.Environ()
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.err
	require.NoError(f.t, s.cmd.Start())
	go func() { s.cmd.Wait(); close(s.done) }()
	return s
}

// wait waits for the apply to exit, at most limit, and returns its exit code.
func (s *strata) wait(t *testing.T, limit time.Duration) int {
	select {
	case <-s.done:
	case <-time.After(limit):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("strata apply did not exit within %s (it hangs)\nstdout %s\nstderr %s", limit, s.out.String(), s.err.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

// kill SIGKILLs the apply and waits for it; false when it had exited already.
func (s *strata) kill() bool { return s.signal(syscall.SIGKILL) }

// signal sends sig to the apply and waits for it to exit; false when it had
// exited already.
func (s *strata) signal(sig syscall.Signal) bool {
	select {
	case <-s.done:
		return false
	default:
	}
	s.cmd.Process.Signal(sig)
	<-s.done
	return true
}

// reference builds the desired schema of a tenant without strata: the
// layer files run in order in a scratch database; returns its canonical DDL.
func (f *faultFleet) reference(events bool) string {
	f.t.Helper()
	ctx := f.t.Context()
	name := faultPrefix + "reference"
	conn, err := f.db.Conn(ctx)
	require.NoError(f.t, err)
	defer conn.Close()
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", "USE " + name} {
		_, err := conn.ExecContext(ctx, q)
		require.NoError(f.t, err)
	}
	dirs := []string{"basic/", "templates/club/"}
	if events {
		dirs = append(dirs, "modules/events/")
	}
	for _, d := range dirs {
		var paths []string
		for p := range f.files {
			if strings.HasPrefix(p, d) && strings.HasSuffix(p, ".sql") && !strings.Contains(p[len(d):], "/") {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths)
		for _, p := range paths {
			stmts, err := spec.SplitSQL([]byte(f.files[p]))
			require.NoError(f.t, err)
			for _, st := range stmts {
				_, err := conn.ExecContext(ctx, st.SQL)
				require.NoError(f.t, err, "reference %s", p)
			}
		}
	}
	s, err := snapshot.Take(ctx, f.db, name)
	require.NoError(f.t, err)
	_, err = conn.ExecContext(ctx, "DROP DATABASE "+ident.Quote(name))
	require.NoError(f.t, err)
	return s.DDL
}

// count runs a COUNT query; -1 when it fails.
func (f *faultFleet) count(q string, args ...any) int {
	n := -1
	if err := f.db.QueryRowContext(f.t.Context(), q, args...).Scan(&n); err != nil {
		return -1
	}
	return n
}
