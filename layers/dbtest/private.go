package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Private is a MariaDB server of one test: its own datadir under
// t.TempDir() and a free port, so the test may kill, stop and restart it
// without touching the shared server. It keeps its port across restarts
// (DSNs written into configs stay valid) and is stopped when the test ends.
type Private struct {
	DSN  string // root, no password, no database
	t    testing.TB
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// StartPrivate installs a fresh datadir and starts a server on it. The test
// is skipped when mariadbd or mariadb-install-db is not installed.
func StartPrivate(t testing.TB) *Private {
	t.Helper()
	server, install := lookPath("mariadbd"), lookPath("mariadb-install-db")
	if server == "" || install == "" {
		t.Skip("dbtest: mariadbd and mariadb-install-db are needed for a private server")
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// The bootstrap server deletes every #sql* file in its tmpdir as mariadbd
	// does: without its own, it deletes the shared server's temporary tables
	// in /tmp, and that server fails or crashes on its next query.
	out, err := exec.Command(install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--tmpdir="+filepath.Join(dir, "tmp"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user="+osUser()).CombinedOutput()
	if err != nil {
		t.Fatalf("dbtest: mariadb-install-db: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dbtest: free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &Private{DSN: fmt.Sprintf("root:@tcp(127.0.0.1:%d)/", port), t: t, dir: dir, port: port}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// Start starts the server (after Kill or Stop) and waits until it answers.
func (p *Private) Start() {
	p.t.Helper()
	// Its own tmpdir: at start mariadbd deletes every #sql* file in its
	// tmpdir, and in a shared /tmp those are other servers' temporary tables
	// in use (the shared server then crashes dropping them).
	tmp := filepath.Join(p.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		p.t.Fatalf("dbtest: %v", err)
	}
	p.cmd = exec.Command(lookPath("mariadbd"), "--no-defaults", "--datadir="+filepath.Join(p.dir, "data"), "--tmpdir="+tmp,
		fmt.Sprintf("--port=%d", p.port), "--bind-address=127.0.0.1",
		"--socket="+filepath.Join(p.dir, "s.sock"), "--pid-file="+filepath.Join(p.dir, "p.pid"),
		"--log-error="+filepath.Join(p.dir, "error.log"), "--user="+osUser(),
		"--skip-log-bin", "--innodb-buffer-pool-size=64M", "--max-connections=500",
		// Survives a killed server (the log is written at each commit), not a killed machine.
		"--innodb-flush-log-at-trx-commit=2")
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("dbtest: start mariadbd: %v", err)
	}
	done := make(chan struct{})
	go func(c *exec.Cmd) { c.Wait(); close(done) }(p.cmd)
	p.done = done
	db, err := sql.Open("mysql", p.DSN)
	if err != nil {
		p.t.Fatalf("dbtest: %v", err)
	}
	defer db.Close()
	for deadline := time.Now().Add(time.Minute); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-done:
			p.t.Fatalf("dbtest: private mariadbd exited: %v\n%s", err, p.errorLog())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("dbtest: private mariadbd did not answer: %v\n%s", err, p.errorLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill kills the server with SIGKILL, as a crash would, and waits for it to exit.
func (p *Private) Kill() { p.signal(syscall.SIGKILL) }

// Stop shuts the server down cleanly (SIGTERM) and waits for it to exit.
func (p *Private) Stop() { p.signal(syscall.SIGTERM) }

func (p *Private) signal(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	<-p.done
	p.cmd = nil
}

// Open connects to the server as root; the connection closes when the test ends.
func (p *Private) Open() *sql.DB {
	p.t.Helper()
	db, err := sql.Open("mysql", p.DSN)
	if err != nil {
		p.t.Fatalf("dbtest: %v", err)
	}
	p.t.Cleanup(func() { db.Close() })
	return db
}

func (p *Private) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "error.log"))
	return string(b)
}

// lookPath finds a MariaDB program, also in the sbin directories often
// left out of PATH.
func lookPath(name string) string {
	for _, p := range []string{name, "/usr/sbin/" + name, "/usr/local/sbin/" + name, "/usr/bin/" + name} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// osUser is the account mariadbd runs as: the current one (root must be named).
func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "root"
}
