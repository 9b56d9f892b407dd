package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestParseProc(t *testing.T) {
	stat := "1234 (pier serve) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 9 0 100 2000000 3000 18446744073709551615"
	cpu, err := parseCPU(stat)
	if err != nil || cpu != 3.8 {
		t.Fatalf("parseCPU = %v, %v; want 3.8", cpu, err)
	}
	if _, err := parseCPU("1234 (x S 1"); err == nil {
		t.Fatal("parsed a malformed stat line")
	}
	hwm, err := parseHWM("Name:\tpier\nVmPeak:\t  9000 kB\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n")
	if err != nil || hwm != 2048<<10 {
		t.Fatalf("parseHWM = %v, %v", hwm, err)
	}
	if _, err := parseHWM("Name:\tpier\n"); err == nil {
		t.Fatal("no VmHWM line, no error")
	}
}

func TestStats(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	sorted := make([]float64, 100)
	for i := range sorted {
		sorted[i] = float64(i + 1)
	}
	if p := percentile(sorted, 99); p != 99 {
		t.Errorf("p99 of 1..100 = %v", p)
	}
	if p := percentile(sorted, 50); p != 50 {
		t.Errorf("p50 of 1..100 = %v", p)
	}
	for x, want := range map[float64]string{12345.6: "12,346", 45.67: "45.7", 3.456: "3.46", 0.1234: "0.123"} {
		if got := num(x); got != want {
			t.Errorf("num(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestHeaders(t *testing.T) {
	ch := parseChallenge(`Bearer realm="http://127.0.0.1:5000/token",service="pier",scope="repository:a/b:pull,push"`)
	if ch["scheme"] != "bearer" || ch["realm"] != "http://127.0.0.1:5000/token" || ch["service"] != "pier" || ch["scope"] != "repository:a/b:pull,push" {
		t.Errorf("parseChallenge = %v", ch)
	}
	if got := nextLink(`</v2/r/tags/list?last=a&n=1>; rel="next"`); got != "/v2/r/tags/list?last=a&n=1" {
		t.Errorf("nextLink = %q", got)
	}
	if got := nextLink(""); got != "" {
		t.Errorf("nextLink of nothing = %q", got)
	}
}

func TestSpliceReport(t *testing.T) {
	p := filepath.Join(t.TempDir(), "B.md")
	if err := spliceReport(p, "one\n"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	prose := strings.Replace(string(data), "# Benchmarks\n", "# Benchmarks\n\nProse kept.\n", 1) + "\nAfter.\n"
	if err := os.WriteFile(p, []byte(prose), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := spliceReport(p, "two\n"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(p)
	s := string(data)
	if !strings.Contains(s, "Prose kept.") || !strings.Contains(s, "After.") || !strings.Contains(s, "two") || strings.Contains(s, "one") {
		t.Fatalf("report after splicing:\n%s", s)
	}
}

// TestClientAgainstCeiling runs the client's pushes, HEAD and manifest GET
// against the reference server, in process.
func TestClientAgainstCeiling(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := httptest.NewServer(newCeiling(dir, true))
	defer srv.Close()
	reg, err := newRegistry(srv.URL, "", "", newHTTPClient(4))
	if err != nil {
		t.Fatal(err)
	}
	s, err := reg.login(ctx, "repository:r:pull,push")
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3<<20+5)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(data)
	d := digest.FromBytes(data)
	if err := s.pushMono(ctx, "a/b", data, d); err != nil {
		t.Fatal(err)
	}
	data[0] ^= 1
	d2 := digest.FromBytes(data)
	if err := s.pushChunked(ctx, "a/b", data, d2, 1<<20); err != nil {
		t.Fatal(err)
	}
	for _, x := range []digest.Digest{d, d2} {
		got, err := os.ReadFile(filepath.Join(dir, x.Encoded()))
		if err != nil || digest.FromBytes(got) != x {
			t.Fatalf("stored blob %s: %v", x, err)
		}
		if status, err := s.raw("HEAD", "/v2/a/b/blobs/"+x.String()).do(); err != nil || status != 200 {
			t.Fatalf("HEAD %s: %d, %v", x, status, err)
		}
	}
	if err := s.pushMono(ctx, "a/b", data, d); err == nil {
		t.Fatal("a push with the wrong digest succeeded")
	}
	seed, _ := newSeedContent()
	if err := s.putManifest(ctx, "a/b", "latest", seed.manifest); err != nil {
		t.Fatal(err)
	}
	get := s.raw("GET", "/v2/a/b/manifests/latest", "Accept: "+manifestAccept.Get("Accept"))
	for range 3 { // one connection, kept alive
		if status, err := get.do(); err != nil || status != 200 {
			t.Fatalf("GET manifest: %d, %v", status, err)
		}
	}
	if status, err := s.raw("GET", "/v2/a/b/manifests/nope").do(); err != nil || status != 404 {
		t.Fatalf("GET a missing manifest: %d, %v", status, err)
	}
	if !bytes.Contains(seed.manifest, []byte(seed.layerD.String())) {
		t.Fatal("the seed manifest does not name its layer")
	}
}

// TestRawConn: the small-request client reads bodies exactly, keeps the
// connection, dials again when the server closes it, and refuses answers it
// cannot frame.
func TestRawConn(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/chunked":
			w.(http.Flusher).Flush()
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
		}
		fmt.Fprint(w, strings.Repeat("x", 100))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := &session{reg: &registry{base: &url.URL{Host: srv.Listener.Addr().String()}}, token: "tok"}
	for _, m := range []string{"GET", "HEAD"} {
		c := s.raw(m, "/")
		for range 5 {
			if status, err := c.do(); err != nil || status != 200 {
				t.Fatalf("%s: %d, %v", m, status, err)
			}
		}
		c.Close()
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("10 requests on 2 clients took %d connections", n)
	}
	c := s.raw("GET", "/close")
	for range 3 {
		if status, err := c.do(); err != nil || status != 200 {
			t.Fatalf("Connection: close: %d, %v", status, err)
		}
	}
	if status, err := (&session{reg: s.reg}).raw("GET", "/").do(); err != nil || status != 401 {
		t.Fatalf("no token: %d, %v", status, err)
	}
	if _, err := s.raw("GET", "/chunked").do(); err == nil || !strings.Contains(err.Error(), "chunked") {
		t.Fatalf("a chunked answer: %v", err)
	}
}
