// Package stream proves that blobs stream through pier: pushing and pulling
// a 2 GiB blob must not grow the server's memory by more than a few MiB.
// It runs a real `pier serve` process and reads its peak resident set
// (VmHWM) from /proc, so it only runs on Linux.
package stream

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

const (
	blobSize  = 2 << 30
	chunkSize = 64 << 20
	password  = "stream-test-password"
	// budget is the growth of the server's peak RSS we accept while 2 GiB
	// pass through it each way: buffers, not blobs.
	budget = 48 << 20
)

func TestTwoGiBStreams(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if testing.Short() {
		t.Skip("moves 4 GiB through a real server")
	}
	srv := startPier(t)
	base := peakRSS(t, srv.pid)
	monolithic := digestOf(blobSize, 1)
	srv.pushMonolithic(t, "stream/a", monolithic, 1)
	srv.pull(t, "stream/a", monolithic)
	chunked := digestOf(blobSize, 2)
	srv.pushChunked(t, "stream/b", chunked, 2)
	peak := peakRSS(t, srv.pid)
	t.Logf("server peak RSS: %d MiB before, %d MiB after pushing 2x2 GiB and pulling 2 GiB (grew %d MiB)",
		base>>20, peak>>20, (peak-base)>>20)
	if peak-base > budget {
		t.Errorf("server memory grew by %d MiB moving 2 GiB blobs; blobs must stream", (peak-base)>>20)
	}
}

// pattern is a cheap, reproducible 2 GiB body: a seeded counter, so the test
// neither holds nor stores it.
type pattern struct {
	left int64
	seed byte
	i    byte
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for j := range b {
		b[j] = p.i ^ p.seed
		p.i++
	}
	p.left -= int64(len(b))
	return len(b), nil
}

func digestOf(size int64, seed byte) digest.Digest {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	_, _ = io.CopyBuffer(h, &pattern{left: size, seed: seed}, buf)
	return digest.NewDigest(digest.SHA256, h)
}

type pier struct {
	url string
	pid int
}

func startPier(t *testing.T) *pier {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "pier")
	build := exec.Command("go", "build", "-o", bin, "github.com/pier-registry/pier/cmd/pier")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building pier: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "PIER_ADMIN_PASSWORD="+password, "PIER_LOG_LEVEL=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := &pier{url: "http://" + addr, pid: cmd.Process.Pid}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pier did not become healthy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (p *pier) do(t *testing.T, method, path string, body io.Reader, size int64, want int, hdr ...string) *http.Response {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = p.url + path
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.SetBasicAuth("admin", password)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return resp
}

func (p *pier) pushMonolithic(t *testing.T, repo string, d digest.Digest, seed byte) {
	resp := p.do(t, "POST", "/v2/"+repo+"/blobs/uploads/", nil, 0, http.StatusAccepted)
	resp.Body.Close()
	loc := p.url + resp.Header.Get("Location") + "?digest=" + d.String()
	p.do(t, "PUT", loc, &pattern{left: blobSize, seed: seed}, blobSize, http.StatusCreated).Body.Close()
}

func (p *pier) pushChunked(t *testing.T, repo string, d digest.Digest, seed byte) {
	resp := p.do(t, "POST", "/v2/"+repo+"/blobs/uploads/", nil, 0, http.StatusAccepted)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	src := &pattern{left: blobSize, seed: seed}
	for off := int64(0); off < blobSize; off += chunkSize {
		rng := fmt.Sprintf("%d-%d", off, off+chunkSize-1)
		resp = p.do(t, "PATCH", loc, io.LimitReader(src, chunkSize), chunkSize, http.StatusAccepted, "Content-Range", rng)
		resp.Body.Close()
		loc = resp.Header.Get("Location")
	}
	p.do(t, "PUT", loc+"?digest="+d.String(), nil, 0, http.StatusCreated).Body.Close()
}

func (p *pier) pull(t *testing.T, repo string, d digest.Digest) {
	resp := p.do(t, "GET", "/v2/"+repo+"/blobs/"+d.String(), nil, 0, http.StatusOK)
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, resp.Body, make([]byte, 1<<20))
	if err != nil || n != blobSize {
		t.Fatalf("pull: %d bytes, %v", n, err)
	}
	if got := digest.NewDigest(digest.SHA256, h); got != d {
		t.Fatalf("pulled %s, want %s", got, d)
	}
}

// peakRSS reads the process's VmHWM in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
