package daemon

import "time"

// clock is the loop's time source: the real one, or a fake that a test
// advances by hand to check backoff and drain without sleeping.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) timer
}

// timer is the part of *time.Timer the loop uses.
type timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration)
}

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Reset needs no draining: since Go 1.23 a stopped or reset timer's channel
// holds no stale value.
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
