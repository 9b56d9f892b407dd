package scale

import (
	"io"
	"net"
	"sync"
	"testing"
)

// relay is a TCP relay on a loopback address in front of S3. Taking it
// down refuses new connections and resets open ones, as an S3 outage
// does; bringing it up listens again on the same address.
type relay struct {
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener // nil while down
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// startRelay relays a free loopback port to target until the test ends.
func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	r.serve(ln)
	t.Cleanup(r.down)
	return r
}

// up listens on the relay's address again.
func (r *relay) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatalf("relay: listening on %s again: %v", r.addr, err)
	}
	r.serve(ln)
}

func (r *relay) serve(ln net.Listener) {
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	r.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by down
			}
			r.wg.Go(func() { r.pipe(c) })
		}
	})
}

// pipe relays one client connection to the target and back.
func (r *relay) pipe(c net.Conn) {
	s, err := net.Dial("tcp", r.target)
	if err != nil {
		c.Close()
		return
	}
	if !r.track(c, s) {
		return
	}
	var both sync.WaitGroup
	both.Go(func() { io.Copy(s, c); s.Close() })
	both.Go(func() { io.Copy(c, s); c.Close() })
	both.Wait()
	r.mu.Lock()
	delete(r.conns, c)
	delete(r.conns, s)
	r.mu.Unlock()
}

// track remembers a connection pair, or closes it when the relay is down.
func (r *relay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cs {
		if r.ln == nil {
			c.Close()
			continue
		}
		r.conns[c] = true
	}
	return r.ln != nil
}

// down stops listening, resets every open connection and waits until
// nothing is relayed any more.
func (r *relay) down() {
	r.mu.Lock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for c := range r.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, as a vanished server gives
		}
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
