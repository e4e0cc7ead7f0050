package dbtest

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"
)

// CutAfter passes connections through to the server at network/addr and
// returns the address it listens on. Once a client sends a query holding
// marker, the server's whole answer is read and dropped, and the client's
// connection closed: the query ran, and the client cannot know.
func CutAfter(t testing.TB, network, addr string, marker []byte) string {
	return proxy(t, network, addr, marker, nil)
}

// Before passes connections through to the server at network/addr and
// returns the address it listens on. The first query holding marker, on
// any of its connections, waits for before(query) to return, then goes on
// to the server: a change made at an exact point between a client's queries.
// before runs on the proxy's goroutine: it must not send marker through
// this proxy (it would wait for itself), nor keep query, whose bytes are
// reused.
func Before(t testing.TB, network, addr string, marker []byte, before func(query []byte)) string {
	var once sync.Once
	return proxy(t, network, addr, marker, func(q []byte) { once.Do(func() { before(q) }) })
}

// proxy is CutAfter when before is nil, else Before.
func proxy(t testing.TB, network, addr string, marker []byte, before func([]byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial(network, addr)
			if err != nil {
				client.Close()
				continue
			}
			cut := make(chan struct{})
			cutOnce := sync.OnceFunc(func() { close(cut) })
			answered := make(chan struct{})
			wg.Add(2)
			go func() { // server to client
				defer wg.Done()
				defer close(answered)
				defer client.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := server.Read(buf)
					if err != nil {
						return
					}
					select {
					case <-cut: // dropped, up to the server's silence
						server.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
					default:
						client.Write(buf[:n])
					}
				}
			}()
			go func() { // client to server
				defer wg.Done()
				defer server.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := client.Read(buf)
					if err != nil {
						<-answered
						return
					}
					if bytes.Contains(buf[:n], marker) {
						if before != nil {
							before(buf[:n])
						} else {
							cutOnce()
						}
					}
					server.Write(buf[:n])
				}
			}()
		}
	}()
	return ln.Addr().String()
}
