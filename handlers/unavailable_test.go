package handlers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// downDriver is a mem driver whose backend has gone away, failing the way
// the S3 driver does: with an error that names the endpoint and the key.
type downDriver struct{ *mem.Driver }

const downEndpoint = "http://10.1.2.3:9000/secret-bucket"

func (downDriver) down(op, key string) error {
	return fmt.Errorf("s3: %s %q: %w: Head %q: connection refused", op, key, storage.ErrUnavailable, downEndpoint+"/"+key)
}

func (d downDriver) Stat(_ context.Context, key string) (storage.Info, error) {
	return storage.Info{}, d.down("stat", key)
}

func (d downDriver) Open(_ context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	return nil, storage.Info{}, d.down("open", key)
}

// TestStorageUnavailable: a request that needs an unreachable storage gets
// 503, Retry-After and UNAVAILABLE with the request id, never the
// backend's address; the log has the whole error.
func TestStorageUnavailable(t *testing.T) {
	var logs bytes.Buffer
	api := New(Options{Store: storage.New(downDriver{mem.New()}), Log: slog.New(slog.NewTextHandler(&logs, nil))})
	withID := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		api.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(withID)
	defer srv.Close()

	for _, path := range []string{"/v2/repo/tags/list", "/v2/repo/blobs/" + layerDig.String(), "/v2/repo/manifests/latest"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("GET %s: %s, Retry-After %q; want 503 and 5", path, resp.Status, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(string(body), `"UNAVAILABLE"`) || !strings.Contains(string(body), "req-42") {
			t.Errorf("GET %s: body %s, want code UNAVAILABLE and the request id", path, body)
		}
		if strings.Contains(string(body), "10.1.2.3") || strings.Contains(string(body), "secret-bucket") {
			t.Errorf("GET %s: body %s gives away the storage backend", path, body)
		}
	}
	if got := logs.String(); !strings.Contains(got, "storage unavailable") || !strings.Contains(got, "request_id=req-42") ||
		!strings.Contains(got, downEndpoint) {
		t.Errorf("log %q: want a storage unavailable line with the request id and the whole error", got)
	}
}
