package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

// listen returns a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s, _ := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	ln := listen(t)
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	type reply struct {
		body string
		err  error
	}
	replied := make(chan reply, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/v2/slow/blobs/uploads/1")
		if err != nil {
			replied <- reply{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		replied <- reply{string(b), err}
	}()
	<-entered
	stop() // as SIGTERM does

	waitFor(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	default:
	}
	close(release)
	if r := <-replied; r.err != nil || r.body != "finished" {
		t.Errorf("request in flight got %q, %v", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after a clean shutdown: %v", err)
	}
}

func TestShutdownTimeoutCutsOffStuckRequests(t *testing.T) {
	entered := make(chan struct{})
	stuck := make(chan struct{})
	defer close(stuck)
	log, _ := testLogger(t)
	cfg := Default()
	cfg.HTTP.ShutdownTimeout = 50 * time.Millisecond
	s := New(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select {
		case <-stuck:
		case <-r.Context().Done(): // the connection was closed
		}
	}), nil, log)
	ln := listen(t)
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	clientErr := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/v2/")
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()
	<-entered
	stop()
	err := <-served
	if err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Errorf("Serve = %v, want a shutdown timeout error", err)
	}
	if err := <-clientErr; err == nil {
		t.Error("the stuck request got a reply")
	}
}

func TestServeFailsOnClosedListener(t *testing.T) {
	s, _ := testServer(t, http.NotFoundHandler())
	ln := listen(t)
	ln.Close()
	if err := s.Serve(context.Background(), ln); err == nil {
		t.Error("Serve on a closed listener returned nil")
	}
}

func TestRunReportsListenErrors(t *testing.T) {
	ln := listen(t)
	defer ln.Close()
	log, _ := testLogger(t)
	cfg := Default()
	cfg.Addr = ln.Addr().String() // taken
	err := New(cfg, http.NotFoundHandler(), nil, log).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Run on a busy port = %v", err)
	}
}

// statDriver is a storage.Driver whose Stat answers err; readyz uses
// nothing else.
type statDriver struct {
	storage.Driver
	err error
}

func (d statDriver) Stat(context.Context, string) (storage.Info, error) {
	return storage.Info{}, d.err
}

func TestHealth(t *testing.T) {
	for _, tc := range []struct {
		name         string
		method, path string
		stat         error
		want         int
	}{
		{"alive", "GET", "/healthz", nil, 200},
		{"alive even when storage is down", "GET", "/healthz", errors.New("down"), 200},
		{"ready when the key is missing", "GET", "/readyz", storage.ErrNotFound, 200},
		{"ready when the key exists", "HEAD", "/readyz", nil, 200},
		{"not ready when storage fails", "GET", "/readyz", errors.New("connection refused"), 503},
		{"probes are read-only", "POST", "/healthz", nil, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, logs := testLogger(t)
			api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("probe reached the API") })
			s := New(Default(), api, statDriver{err: tc.stat}, log)
			ts := httptestServer(t, s)
			req, _ := http.NewRequest(tc.method, ts+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 503 && !strings.Contains(logs.String(), "connection refused") {
				t.Errorf("the storage error is not logged: %s", logs)
			}
		})
	}
}

func TestOtherPathsReachTheAPI(t *testing.T) {
	var got []string
	s, _ := testServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
	}))
	ts := httptestServer(t, s)
	for _, p := range []string{"/v2/", "/v2/a//b/tags/list", "/token", "/healthz/x"} {
		resp, err := http.Get(ts + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Join(got, " ") != "/v2/ /v2/a//b/tags/list /token /healthz/x" {
		t.Errorf("API saw %q", got)
	}
}

// httptestServer serves s on a free loopback port until the test ends and
// returns its base URL.
func httptestServer(t *testing.T, s *Server) string {
	t.Helper()
	ln := listen(t)
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
