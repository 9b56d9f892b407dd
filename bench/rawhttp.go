package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// rawConn is the client of the small-request runs: one keep-alive HTTP/1.1
// connection that sends one prebuilt request over and over and reads just
// enough of each answer to know its status and skip its body, as wrk does.
// The client shares the two cores with the server under test, and net/http's
// client cost ~35 µs of CPU per request (Request and Header maps, the
// connection pool, a goroutine per connection), more than the servers'
// own work: every server's rate was the client's. This one costs a write, a
// read and no allocation, so that the rates measure the servers.
type rawConn struct {
	addr string
	req  []byte
	head bool // the request is a HEAD: the answer has no body
	conn net.Conn
	br   *bufio.Reader
}

// newRawConn prepares method path on the server at addr (host:port), with
// the given extra header lines ("Name: value").
func newRawConn(addr, method, path string, header ...string) *rawConn {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pier-bench\r\n", method, path, addr)
	for _, h := range header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return &rawConn{addr: addr, req: []byte(b.String()), head: method == "HEAD"}
}

// do sends the request and reads the answer, returning its status. A
// connection the server closed while idle is dialled again once.
func (c *rawConn) do() (int, error) {
	fresh := c.conn == nil
	if fresh {
		if err := c.dial(); err != nil {
			return 0, err
		}
	}
	status, err := c.roundTrip()
	if err != nil && !fresh {
		c.Close()
		if err := c.dial(); err != nil {
			return 0, err
		}
		status, err = c.roundTrip()
	}
	if err != nil {
		c.Close()
	}
	return status, err
}

func (c *rawConn) dial() error {
	conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
	if err != nil {
		return err
	}
	c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	return nil
}

// Close drops the connection.
func (c *rawConn) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

var (
	hdrContentLength = []byte("content-length:")
	hdrTransferEnc   = []byte("transfer-encoding:")
	hdrConnection    = []byte("connection:")
)

func (c *rawConn) roundTrip() (int, error) {
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, closing := int64(-1), false
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		switch {
		case hasFoldPrefix(line, hdrContentLength):
			v := bytes.TrimSpace(line[len(hdrContentLength):])
			if length, err = strconv.ParseInt(string(v), 10, 64); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", v)
			}
		case hasFoldPrefix(line, hdrTransferEnc):
			return 0, fmt.Errorf("%q: chunked answers are not expected here", line)
		case hasFoldPrefix(line, hdrConnection):
			closing = bytes.EqualFold(bytes.TrimSpace(line[len(hdrConnection):]), []byte("close"))
		}
	}
	if !c.head && status != 204 && status != 304 {
		if length < 0 {
			return 0, fmt.Errorf("status %d without Content-Length", status)
		}
		if _, err := c.br.Discard(int(length)); err != nil {
			return 0, fmt.Errorf("body: %w", noEOF(err))
		}
	}
	if closing {
		c.Close()
	}
	return status, nil
}

func hasFoldPrefix(s, prefix []byte) bool {
	return len(s) >= len(prefix) && bytes.EqualFold(s[:len(prefix)], prefix)
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
