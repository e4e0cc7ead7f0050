package daemon_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mariadbd is a private MariaDB server of one test: its own datadir under
// t.TempDir() and a free port, so the test may stop and start it without
// touching the shared server.
type mariadbd struct {
	t    *testing.T
	dir  string
	port int
	cmd  *exec.Cmd
	DSN  string // root, no password, no database
}

// startMariadbd installs a datadir and starts a server on it; it is
// stopped when the test ends.
func startMariadbd(t *testing.T) *mariadbd {
	t.Helper()
	if mariadbdPath() == "" {
		t.Skip("no mariadbd on this machine: this test needs a private server of its own")
	}
	dir := t.TempDir()
	out, err := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user="+currentUser()).CombinedOutput()
	require.NoError(t, err, "mariadb-install-db: %s", out)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	m := &mariadbd{t: t, dir: dir, port: port, DSN: fmt.Sprintf("root:@tcp(127.0.0.1:%d)/", port)}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// mariadbdPath finds the server binary (often in /usr/sbin, outside PATH).
func mariadbdPath() string {
	for _, p := range []string{"mariadbd", "/usr/sbin/mariadbd", "/usr/local/sbin/mariadbd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

// Start starts the server and waits until it answers.
func (m *mariadbd) Start() {
	m.t.Helper()
	m.cmd = exec.Command(mariadbdPath(), "--no-defaults", "--datadir="+filepath.Join(m.dir, "data"),
		fmt.Sprintf("--port=%d", m.port), "--bind-address=127.0.0.1",
		"--socket="+filepath.Join(m.dir, "s.sock"), "--pid-file="+filepath.Join(m.dir, "p.pid"),
		"--user="+currentUser(), "--skip-log-bin", "--innodb-buffer-pool-size=32M",
		"--log-error="+filepath.Join(m.dir, "error.log"))
	require.NoError(m.t, m.cmd.Start())
	db, err := sql.Open("mysql", m.DSN)
	require.NoError(m.t, err)
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
			m.t.Fatalf("private mariadbd did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop shuts the server down (SIGTERM) and waits for it to exit.
func (m *mariadbd) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	m.cmd.Wait()
	m.cmd = nil
}

// status reads a global status counter of the server.
func (m *mariadbd) status(name string) int64 {
	m.t.Helper()
	db, err := sql.Open("mysql", m.DSN)
	require.NoError(m.t, err)
	defer db.Close()
	var n string
	var v int64
	require.NoError(m.t, db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&n, &v))
	return v
}
