package scale

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines for a pier process: S3 checks, bootstrap and a bcrypt hash
// at start; requests in flight at stop.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 40 * time.Second
)

// setup is what one pier process is started with.
type setup struct {
	endpoint      string // S3 host:port; the test server's by default
	prefix        string // key prefix inside the bucket, shared by replicas
	redirect      bool   // blob GETs answer 307 to presigned S3 URLs
	adminPassword string // PIER_ADMIN_PASSWORD
	anonymousPull string // a repository pattern anyone may pull, or ""
}

// replica is one running `pier serve`.
type replica struct {
	name   string
	url    string // http://127.0.0.1:PORT
	config string // its configuration file
	cmd    *exec.Cmd
	logs   *logLines

	addr    chan string   // the listening address, once logged
	drained chan struct{} // closed when the process closed its stderr
}

// writeConfig writes the configuration file for o into dir. Credentials
// stay in the environment, which pier expands when it reads the file.
func writeConfig(t *testing.T, dir string, s s3Server, o setup) string {
	t.Helper()
	endpoint := o.endpoint
	if endpoint == "" {
		endpoint = s.endpoint
	}
	var anon string
	if o.anonymousPull != "" {
		anon = fmt.Sprintf("  anonymousPull: [%q]\n", o.anonymousPull)
	}
	text := fmt.Sprintf(`addr: 127.0.0.1:0
storage:
  s3:
    endpoint: %q
    bucket: %q
    accessKey: ${PIER_TEST_S3_ACCESS_KEY}
    secretKey: ${PIER_TEST_S3_SECRET_KEY}
    prefix: %q
    redirect: %t
auth:
  service: pier
%slog:
  level: info
  format: json
`, endpoint, s.bucket, o.prefix, o.redirect, anon)
	path := filepath.Join(dir, "pier.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pierEnv is the environment for pier processes: this one's, without the
// PIER_* overrides that would change what the file says.
func pierEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PIER_ADDR", "PIER_DATA", "PIER_LOG_LEVEL", "PIER_LOG_FORMAT", "PIER_ADMIN_PASSWORD":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// startReplica starts `pier serve` on a free loopback port, waits until it
// is ready, and stops it (by PID) when the test ends.
func startReplica(t *testing.T, bin, name string, s s3Server, o setup) *replica {
	t.Helper()
	r := spawnReplica(t, bin, name, s, o)
	r.await(t)
	return r
}

// spawnReplica starts `pier serve` without waiting for it, so that several
// can start at once, and stops it (by PID) when the test ends.
func spawnReplica(t *testing.T, bin, name string, s s3Server, o setup) *replica {
	t.Helper()
	r := &replica{name: name, config: writeConfig(t, t.TempDir(), s, o), logs: &logLines{},
		addr: make(chan string, 1), drained: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", "--config", r.config)
	r.cmd.Env = pierEnv("PIER_ADMIN_PASSWORD=" + o.adminPassword)
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go r.logs.read(stderr, r.addr, r.drained)
	t.Cleanup(func() { r.stop(t) })
	return r
}

// await waits until the replica listens and answers /readyz with 200.
func (r *replica) await(t *testing.T) {
	t.Helper()
	select {
	case a := <-r.addr:
		r.url = "http://" + a
	case <-r.drained:
		t.Fatalf("%s exited before listening:\n%s", r.name, r.logs.tail(30))
	case <-time.After(startTimeout):
		t.Fatalf("%s did not listen within %v:\n%s", r.name, startTimeout, r.logs.tail(30))
	}
	r.waitReady(t)
}

// waitReady polls /readyz until it answers 200.
func (r *replica) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within %v (last: %v):\n%s", r.name, startTimeout, statusOrErr(resp, err), r.logs.tail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func statusOrErr(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// stop sends SIGTERM to the process this replica started, and fails the
// test unless it shuts down cleanly in time (then it is killed).
func (r *replica) stop(t *testing.T) {
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("%s: SIGTERM: %v", r.name, err)
	}
	select {
	case <-r.drained:
	case <-time.After(stopTimeout):
		t.Errorf("%s still running %v after SIGTERM; killing it", r.name, stopTimeout)
		r.cmd.Process.Kill()
		<-r.drained
	}
	if err := r.cmd.Wait(); err != nil {
		t.Errorf("%s did not stop cleanly: %v", r.name, err)
	}
	if t.Failed() {
		t.Logf("log of %s:\n%s", r.name, r.logs.tail(40))
	}
}

// logLines keeps what a pier process logged (one JSON object a line).
type logLines struct {
	mu    sync.Mutex
	lines []string
}

// read collects lines from rc until it ends, sending the listening address
// on addr as soon as pier logs it, and closes drained at the end.
func (l *logLines) read(rc io.Reader, addr chan<- string, drained chan<- struct{}) {
	defer close(drained)
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		l.mu.Lock()
		l.lines = append(l.lines, line)
		l.mu.Unlock()
		var rec struct{ Msg, Addr string }
		if !sent && json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "pier listening" {
			addr <- rec.Addr
			sent = true
		}
	}
	io.Copy(io.Discard, rc) // a line too long for the scanner must not block pier
}

// find returns the logged records whose msg is msg.
func (l *logLines) find(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// tail returns the last n lines.
func (l *logLines) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for _, line := range l.lines[max(0, len(l.lines)-n):] {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
