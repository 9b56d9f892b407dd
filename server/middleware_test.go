package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-registry/pier/auth"
)

// logBuffer is a concurrency-safe log sink for tests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger logs JSON at debug level into a buffer.
func testLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	log, err := NewLogger(LogConfig{Level: "debug", Format: "json"}, logs)
	if err != nil {
		t.Fatal(err)
	}
	return log, logs
}

// testServer wraps api in the full middleware stack, logging into a buffer.
func testServer(t *testing.T, api http.Handler) (*Server, *logBuffer) {
	t.Helper()
	log, logs := testLogger(t)
	return New(Default(), api, nil, log), logs
}

// logLines decodes the JSON log records whose msg is msg.
func logLines(t *testing.T, logs *logBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func TestRequestID(t *testing.T) {
	var seen string
	log, logs := testLogger(t)
	s := New(Default(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		log.InfoContext(r.Context(), "inside")
	}), nil, log)
	for _, tc := range []struct{ name, sent string }{
		{"generated", ""},
		{"kept from a proxy", "edge-42.a_b"},
		{"replaced when unsafe", "bad id\nwith a newline"},
		{"replaced when too long", strings.Repeat("x", 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v2/", nil)
			if tc.sent != "" {
				req.Header.Set(HeaderRequestID, tc.sent)
			}
			rr := httptest.NewRecorder()
			s.Handler().ServeHTTP(rr, req)
			got := rr.Header().Get(HeaderRequestID)
			if got == "" || got != seen {
				t.Fatalf("header %q, handler saw %q", got, seen)
			}
			if validRequestID(tc.sent) && got != tc.sent {
				t.Errorf("id %q replaced by %q", tc.sent, got)
			}
			if !validRequestID(tc.sent) && (got == tc.sent || len(got) != 32) {
				t.Errorf("id %q kept or not a fresh one: %q", tc.sent, got)
			}
		})
	}
	inside := logLines(t, logs, "inside")
	if len(inside) == 0 || inside[len(inside)-1]["request_id"] != seen {
		t.Errorf("a record logged with the request context lacks its request_id: %v", inside)
	}
}

func TestRecovery(t *testing.T) {
	s, logs := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Content-Digest", "sha256:half-done")
		panic("secret internal detail")
	}))
	rr := httptest.NewRecorder()
	s.Handler().ServeHTTP(rr, httptest.NewRequest("GET", "/v2/a/manifests/b", nil))
	if rr.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rr.Code)
	}
	body := rr.Body.String()
	if strings.Contains(body, "secret") || !strings.Contains(body, `"code":"UNKNOWN"`) {
		t.Errorf("body %q leaks the panic or lacks the OCI code", body)
	}
	id := rr.Header().Get(HeaderRequestID)
	if id == "" || !strings.Contains(body, id) || rr.Header().Get("Docker-Content-Digest") != "" {
		t.Errorf("headers %v: want the request id and none of the handler's", rr.Header())
	}
	var parsed struct{ Errors []struct{ Code string } }
	if err := json.Unmarshal(rr.Body.Bytes(), &parsed); err != nil || len(parsed.Errors) != 1 {
		t.Errorf("body is not an OCI error: %q (%v)", body, err)
	}
	panics := logLines(t, logs, "panic serving request")
	if len(panics) != 1 || panics[0]["panic"] != "secret internal detail" || panics[0]["request_id"] != id ||
		!strings.Contains(panics[0]["stack"].(string), "TestRecovery") {
		t.Errorf("panic not logged with its value, stack and request id: %v", panics)
	}
	access := logLines(t, logs, "request")
	if len(access) != 1 || access[0]["status"] != float64(500) {
		t.Errorf("access log after a panic: %v", access)
	}
}

func TestRecoveryAfterPartialReply(t *testing.T) {
	s, logs := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("partial"))
		panic("broke midway")
	}))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/v2/x/blobs/sha256:abc")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("the client read a truncated reply as complete")
	}
	waitFor(t, "the panic to be logged", func() bool { return len(logLines(t, logs, "panic serving request")) == 1 })
}

// userAuthorizer is an Authorizer that grants everything to one user.
type userAuthorizer struct{ auth.AllowAll }

func (userAuthorizer) Authorize(*http.Request, []auth.Access) (auth.Subject, error) {
	return auth.Subject{Name: "alice"}, nil
}

func TestAccessLog(t *testing.T) {
	authz := RecordSubject(userAuthorizer{})
	s, logs := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := authz.Authorize(r, nil); err != nil {
			t.Error(err)
		}
		RecordRoute(r, "/v2/{name}/blobs/uploads/{id}")
		in, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(append(in, in...))
	}))
	req := httptest.NewRequest("PUT", "/v2/team/app/blobs/uploads/abc?digest=x", strings.NewReader("12345"))
	req.Header.Set("User-Agent", "docker/28")
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	lines := logLines(t, logs, "request")
	if len(lines) != 1 {
		t.Fatalf("want one access log line, got %v", lines)
	}
	want := map[string]any{
		"method": "PUT", "path": "/v2/team/app/blobs/uploads/abc", "status": float64(201),
		"bytes": float64(10), "bytes_in": float64(5), "repository": "team/app", "user": "alice",
		"agent": "docker/28", "level": "INFO", "route": "/v2/{name}/blobs/uploads/{id}",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %v", k, lines[0][k], v)
		}
	}
	for _, k := range []string{"duration", "remote", "request_id"} {
		if _, ok := lines[0][k]; !ok {
			t.Errorf("no %s in %v", k, lines[0])
		}
	}
}

func TestAccessLogPassesSendfileThrough(t *testing.T) {
	content := strings.Repeat("layer bytes ", 1000)
	s, logs := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the writer handlers get hides io.ReaderFrom")
		}
		http.ServeContent(w, r, "", timeZero, strings.NewReader(content))
	}))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/v2/a/blobs/sha256:x")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != content {
		t.Fatalf("body of %d bytes, want %d", len(got), len(content))
	}
	// The line is written once the handler returns, which may be after the
	// client has read the whole body.
	waitFor(t, "the access log line", func() bool { return len(logLines(t, logs, "request")) == 1 })
	lines := logLines(t, logs, "request")
	if lines[0]["bytes"] != float64(len(content)) {
		t.Errorf("bytes not counted: %v", lines)
	}
}

func TestRepository(t *testing.T) {
	for path, want := range map[string]string{
		"/v2/":                                 "",
		"/v2/_catalog":                         "",
		"/healthz":                             "",
		"/v2/a/manifests/latest":               "a",
		"/v2/a/b/c/tags/list":                  "a/b/c",
		"/v2/a/blobs/uploads/":                 "a",
		"/v2/a/manifests/blobs/uploads/123":    "a/manifests",
		"/v2/a/blobs/tags/list":                "a/blobs",
		"/v2/x/referrers/sha256:abc":           "x",
		"/v2/proj/blobs/blobs/sha256:0123abcd": "proj/blobs",
	} {
		if got := repository(path); got != want {
			t.Errorf("repository(%q) = %q, want %q", path, got, want)
		}
	}
}

var timeZero = time.Time{}
