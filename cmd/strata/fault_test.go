package main

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/layers/dbtest"
	"github.com/stratadb/strata/reconciler/landlord"
)

// TestFaults is the fault suite: on a private mariadbd it may kill, the real
// binary rolls changes out to a small fleet while strata or the database is
// killed, the database is down, two applies race, or a seed's landlord
// record is lost; after each fault, recovers checks that the next apply
// converges every tenant and that nothing ran twice or unrecorded. The
// daemon's faults (the database killed mid-rollout or down at its start,
// two daemons at once) must heal without a restart or an apply:
// daemonConverges waits for the daemon alone, then checks the same. Kill
// points are random from a logged seed (STRATA_FAULT_SEED reproduces a run).
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite kills and restarts its own server; skipped with -short")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("STRATA_FAULT_SEED"); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "STRATA_FAULT_SEED")
	}
	t.Logf("fault seed %d: STRATA_FAULT_SEED=%d repeats these kill points", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	mysql.SetLogger(log.New(io.Discard, "", 0)) // the root pool's notes on connections the restarts broke
	srv := dbtest.StartPrivate(t)
	t.Setenv("STRATA_SECRET_KEY", testSecretKey)
	f := newFaultFleet(t, srv)
	for i := 1; i <= 4; i++ {
		f.tenant(fmt.Sprintf("t%d", i), i%2 == 0)
	}
	f.recovers(t) // the first rollout, unharmed: provisions the fleet
	t.Logf("a rollout takes %s", f.took)
	// A kill lands anywhere in a rollout as long as the last one.
	at := func() time.Duration { return time.Duration(rng.Int64N(int64(f.took))) }

	t.Run("apply killed at random points", func(t *testing.T) {
		for i := range 4 {
			f.change()
			f.tenant(fmt.Sprintf("k%d", i), i%2 == 1) // kills during provisioning and seeding too
			s := f.start()
			d := at()
			time.Sleep(d)
			t.Logf("rollout %d: strata killed after %s (still running: %t)", f.gen, d, s.kill())
			f.recovers(t)
		}
	})
	t.Run("apply stopped with SIGTERM at random points", func(t *testing.T) {
		for i := range 2 {
			f.change()
			f.tenant(fmt.Sprintf("g%d", i), i == 0)
			s := f.start()
			d := at()
			time.Sleep(d)
			t.Logf("rollout %d: SIGTERM after %s (still running: %t)", f.gen, d, s.signal(syscall.SIGTERM))
			f.recovers(t)
		}
	})
	t.Run("database killed mid-apply", func(t *testing.T) {
		for i := range 2 {
			f.change()
			f.tenant(fmt.Sprintf("d%d", i), i == 0)
			s := f.start()
			d := at()
			time.Sleep(d)
			srv.Kill()
			code := s.wait(t, 2*time.Minute)
			t.Logf("rollout %d: database killed after %s; strata exited %d", f.gen, d, code)
			srv.Start()
			f.recovers(t)
		}
	})
	t.Run("database down at apply start", func(t *testing.T) {
		f.change()
		srv.Stop()
		s := f.start()
		code := s.wait(t, 2*time.Minute)
		require.NotZero(t, code, "apply with the database down succeeded: %s", s.out.String())
		require.Contains(t, s.err.String(), "connection refused", "the error does not say the server is unreachable")
		srv.Start()
		f.recovers(t)
	})
	t.Run("two applies at once", func(t *testing.T) {
		f.change()
		a, b := f.start(), f.start()
		ca, cb := a.wait(t, 2*time.Minute), b.wait(t, 2*time.Minute)
		t.Logf("exit codes %d and %d", ca, cb)
		f.appliedOnce(t)
		f.recovers(t)
	})
	t.Run("database killed mid-daemon-loop", func(t *testing.T) {
		f.change()
		f.tenant("dm", true)
		// An open transaction on t1's members keeps t1's run open (its ALTER
		// waits for the lock) until the server dies, with the holder.
		hold := f.holdTable(t, "t1", "members")
		defer hold.Close()
		before := f.count("SELECT COALESCE(MAX(id), 0) FROM " + f.ll + ".apply_runs")
		p := f.daemon(t)
		waitFor(t, p, "a run of the daemon open", func() (bool, string) {
			return f.count("SELECT COUNT(*) FROM "+f.ll+".apply_runs WHERE id > ? AND outcome = ?", before, landlord.RunRunning) > 0, "no run open"
		})
		d, down := at()/3, time.Duration(rng.Int64N(int64(3*time.Second)))
		time.Sleep(d)
		open := f.count("SELECT COUNT(*) FROM "+f.ll+".apply_runs WHERE id > ? AND outcome = ?", before, landlord.RunRunning)
		srv.Kill()
		t.Logf("rollout %d: database killed %s after a run of the daemon was open (%d open at the kill), down for %s", f.gen, d, open, down)
		time.Sleep(down)
		srv.Start()
		f.daemonConverges(t, 2*time.Minute, p)
	})
	t.Run("database down at daemon start", func(t *testing.T) {
		f.change()
		f.tenant("ds", false)
		srv.Stop()
		p := f.daemon(t)
		waitFor(t, p, "the daemon to report not ready with its database down", func() (bool, string) {
			code := p.get("/readyz", nil)
			return code == 503, fmt.Sprint("/readyz ", code)
		})
		srv.Start()
		f.daemonConverges(t, 2*time.Minute, p)
	})
	t.Run("two daemons at once", func(t *testing.T) {
		f.change()
		f.tenant("dd", true)
		a, b := f.daemon(t), f.daemon(t)
		f.daemonConverges(t, 2*time.Minute, a, b)
		f.appliedOnce(t)
	})
	t.Run("seed killed before it is recorded", func(t *testing.T) {
		f.tenant("seedkill", false)
		killWhileRecordingSeed(t, f.db, f.ll, func() func() {
			s := f.start("--tenant", "seedkill")
			return func() { s.kill() }
		})
		f.recovers(t)
	})
}
