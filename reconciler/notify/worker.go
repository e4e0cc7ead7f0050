package notify

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// worker delivers one receiver's events: it batches them for the window,
// then delivers the batch with retries. While it delivers, new events wait
// in its queue; when the queue is full they are dropped.
type worker struct {
	n       *Notifier
	t       *target
	in      chan Event
	flushes chan chan struct{}
	done    chan struct{} // closed by stop
	dropped atomic.Bool   // dropping since the last delivery (logged once)
}

func newWorker(n *Notifier, t *target) *worker {
	return &worker{n: n, t: t, in: make(chan Event, n.opts.Queue), flushes: make(chan chan struct{}), done: make(chan struct{})}
}

// enqueue hands ev to the worker without waiting.
func (w *worker) enqueue(ev Event) {
	select {
	case w.in <- ev:
	default:
		w.n.m.Notifications.WithLabelValues(w.t.Name, "dropped").Inc()
		if !w.dropped.Swap(true) {
			w.n.log.Warn("notification receiver is behind; dropping events until it catches up", "receiver", w.t.Name)
		}
	}
}

// stop makes run deliver what it holds and return.
func (w *worker) stop() {
	select {
	case <-w.done:
	default:
		close(w.done)
	}
}

// flush asks run to deliver what it holds now and waits for it.
func (w *worker) flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case w.flushes <- ack:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *worker) run() {
	var batch []Event
	window := time.NewTimer(time.Hour)
	window.Stop()
	defer window.Stop()
	send := func() {
		window.Stop()
		for len(batch) > 0 {
			n := min(len(batch), maxBatch)
			w.send(batch[:n])
			batch = batch[n:]
		}
		batch = nil
	}
	drain := func() {
		for {
			select {
			case ev := <-w.in:
				batch = append(batch, ev)
			default:
				return
			}
		}
	}
	for {
		select {
		case ev := <-w.in:
			batch = append(batch, ev)
			if len(batch) == 1 {
				window.Reset(w.n.opts.Window)
			}
			if len(batch) >= maxBatch {
				send()
			}
		case <-window.C:
			send()
		case ack := <-w.flushes:
			drain()
			send()
			close(ack)
		case <-w.done:
			drain()
			send()
			return
		}
	}
}

// send delivers one batch, retrying with backoff; it gives up after
// Options.Attempts, on a permanent error, or when the worker stops and
// one more attempt failed.
func (w *worker) send(batch []Event) {
	m := compose(batch)
	for attempt := 1; ; attempt++ {
		err := w.n.deliver(context.Background(), w.t, m)
		if err == nil {
			w.n.m.Notifications.WithLabelValues(w.t.Name, "sent").Inc()
			w.n.log.Info("notification sent", "receiver", w.t.Name, "events", len(batch), "summary", m.Summary)
			w.dropped.Store(false)
			return
		}
		if attempt >= w.n.opts.Attempts || errors.Is(err, errPermanent) {
			w.n.m.Notifications.WithLabelValues(w.t.Name, "failed").Inc()
			w.n.log.Error("notification not delivered; giving up", "receiver", w.t.Name, "events", len(batch), "attempts", attempt, "err", err)
			return
		}
		wait := w.n.backoff(attempt)
		w.n.log.Warn("notification delivery failed; retrying", "receiver", w.t.Name, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.done:
			t.Stop()
			if attempt+1 < w.n.opts.Attempts {
				attempt = w.n.opts.Attempts - 1 // one last try, then give up: stopping must not wait minutes
			}
		}
	}
}
