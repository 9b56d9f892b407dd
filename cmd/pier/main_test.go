package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a command's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clearEnv hides PIER_* settings of the machine from the test.
func clearEnv(t *testing.T) {
	for _, v := range []string{"PIER_ADDR", "PIER_DATA", "PIER_LOG_LEVEL", "PIER_LOG_FORMAT"} {
		t.Setenv(v, "")
	}
}

// run executes pier with args and returns its stdout and error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

var listening = regexp.MustCompile(`msg="pier listening" addr=(127\.0\.0\.1:\d+)`)

func TestServe(t *testing.T) {
	clearEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	root := newRootCmd()
	root.SetArgs([]string{"serve", "--addr", "127.0.0.1:0", "--data", data})
	root.SetErr(logs)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("pier serve did not report its address; log:\n%s", logs)
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/v2/"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if path != "/v2/" && resp.StatusCode != http.StatusOK || resp.StatusCode == http.StatusNotFound {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", path)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "path=/v2/") || !strings.Contains(logs.String(), "location="+data) {
		t.Errorf("no startup or access log lines:\n%s", logs)
	}
	if _, err := os.Stat(data); err != nil {
		t.Errorf("data directory not created: %v", err)
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	clearEnv(t)
	_, err := run(t, "serve", "--addr", "nowhere", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `addr: "nowhere" is not host:port`) {
		t.Errorf("serve --addr nowhere: %v", err)
	}
	_, err = run(t, "serve", "extra")
	if err == nil {
		t.Error("serve with an argument did not fail")
	}
}

func TestConfigCheck(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	write(t, good, "addr: 127.0.0.1:6000\nlog:\n  format: json\n")
	write(t, bad, "addr: :5000\nlog:\n  level: loud\n  colour: red\n")

	out, err := run(t, "config", "check", good)
	if err != nil || !strings.Contains(out, "good.yaml: valid") {
		t.Errorf("check good: %q, %v", out, err)
	}
	out, err = run(t, "--config", good, "config", "check")
	if err != nil || !strings.Contains(out, "listening on 127.0.0.1:6000") {
		t.Errorf("check --config good: %q, %v", out, err)
	}
	_, err = run(t, "config", "check", bad)
	if err == nil || !strings.Contains(err.Error(), `line 4: unknown key "colour" (at log.colour)`) {
		t.Errorf("check bad: %v", err)
	}
	write(t, bad, "log:\n  level: loud\n")
	_, err = run(t, "config", "check", bad)
	if err == nil || !strings.Contains(err.Error(), `log.level: "loud"`) {
		t.Errorf("check invalid value: %v", err)
	}
	_, err = run(t, "config", "check", filepath.Join(dir, "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("check missing: %v", err)
	}
}

func TestOpenDriver(t *testing.T) {
	clearEnv(t)
	data := filepath.Join(t.TempDir(), "store")
	root := newRootCmd()
	if err := root.ParseFlags([]string{"--data", data}); err != nil {
		t.Fatal(err)
	}
	root.SetContext(context.Background())
	d, err := openDriver(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(context.Background(), "probe/key", []byte("x")); err != nil {
		t.Fatalf("the driver does not write under --data: %v", err)
	}
	if _, err := os.Stat(data); err != nil {
		t.Errorf("nothing under %s: %v", data, err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDataFlagConflictsWithS3(t *testing.T) {
	clearEnv(t)
	cfg := filepath.Join(t.TempDir(), "s3.yaml")
	write(t, cfg, "storage:\n  s3:\n    endpoint: 127.0.0.1:9\n    bucket: pier\n    accessKey: k\n    secretKey: s\n")
	out, err := run(t, "--config", cfg, "config", "check")
	if err != nil || !strings.Contains(out, "valid (storage s3") {
		t.Errorf("check s3 config: %q, %v", out, err)
	}
	_, err = run(t, "--config", cfg, "--data", t.TempDir(), "config", "check")
	if err == nil || !strings.Contains(err.Error(), "--data") || !strings.Contains(err.Error(), "selects s3") {
		t.Errorf("--data with s3 storage: %v", err)
	}
}
