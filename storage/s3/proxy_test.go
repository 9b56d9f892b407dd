package s3

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// proxy is a TCP relay on a free loopback port in front of the test S3
// server, so that a test can cut connections or take "S3" away.
type proxy struct {
	t        testing.TB
	ln       net.Listener
	target   string
	accepted atomic.Int64
	failNext atomic.Int64 // connections to reset as soon as they are accepted
	mu       sync.Mutex
	conns    map[*net.TCPConn]bool
	wg       sync.WaitGroup
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &proxy{t: t, ln: ln, target: target, conns: map[*net.TCPConn]bool{}}
	p.wg.Go(p.serve)
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.accepted.Add(1)
		if p.failNext.Add(-1) >= 0 {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
			continue
		}
		p.failNext.Store(0)
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		if !p.track(c.(*net.TCPConn), up.(*net.TCPConn)) {
			return
		}
		p.wg.Go(func() { p.pipe(c, up) })
		p.wg.Go(func() { p.pipe(up, c) })
	}
}

// track remembers a connection pair, or closes it if the proxy is closed.
func (p *proxy) track(cs ...*net.TCPConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = true
	}
	return true
}

func (p *proxy) pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		p.t.Logf("proxy: %v", err)
	}
	dst.Close()
	src.Close()
}

// Reset aborts every open connection with a TCP RST, as a crashing load
// balancer would; new connections are still accepted.
func (p *proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.SetLinger(0) // close with RST, not FIN
		c.Close()
		delete(p.conns, c)
	}
}

// Close stops accepting, resets every connection and waits for the relay
// goroutines.
func (p *proxy) Close() {
	p.ln.Close()
	p.Reset()
	p.mu.Lock()
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}
