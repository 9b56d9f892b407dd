package main

import (
	"context"
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pier-registry/pier/server"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// crashLeftovers leaves under data what crashed processes leave on the
// filesystem: a staged upload no session holds and a Put's temp file,
// both two days old. It returns their paths.
func crashLeftovers(t *testing.T, data string) []string {
	t.Helper()
	d, err := fs.New(data)
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.Upload(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write([]byte("half a layer")); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	temp := filepath.Join(data, "repositories", "~put-CRASHED")
	if err := os.MkdirAll(filepath.Dir(temp), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(temp, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join(data, "~uploads", u.ID()), temp}
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range paths {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

func checkGone(t *testing.T, paths []string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, iofs.ErrNotExist) {
			t.Errorf("%s is still there after the collection (%v)", p, err)
		}
	}
}

// TestGCPurgesCrashLeftovers: both pier gc and the collection of pier
// serve, whose driver is wrapped for metrics, reach the fs driver's purge.
func TestGCPurgesCrashLeftovers(t *testing.T) {
	clearEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	left := crashLeftovers(t, data)
	out, err := run(t, "--data", data, "gc", "-q")
	if err != nil || !regexp.MustCompile(`deleted stale upload sessions +1 `).MatchString(out) {
		t.Fatalf("pier gc: %v\n%s", err, out)
	}
	checkGone(t, left)

	left = crashLeftovers(t, data)
	d, err := fs.New(data)
	if err != nil {
		t.Fatal(err)
	}
	s := storage.New(server.MeasureDriver(d, server.NewMetrics()))
	rep, err := s.CollectGarbage(context.Background(), storage.GCOptions{Grace: time.Hour})
	if err != nil || rep.Uploads != 1 {
		t.Fatalf("collection through the measured driver: %v, %d uploads purged, want 1", err, rep.Uploads)
	}
	checkGone(t, left)
}
