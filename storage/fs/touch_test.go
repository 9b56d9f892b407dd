package fs

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

func TestTouch(t *testing.T) {
	ctx := context.Background()
	d, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Touch(ctx, "a/b"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("touching a missing key: %v, want ErrNotFound", err)
	}
	if err := d.Touch(ctx, "a/../b"); err == nil {
		t.Fatal("touched an invalid key")
	}
	if err := d.Put(ctx, "a/b", []byte("value")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	p, _ := d.path("a/b")
	if err := setModTime(p, old); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	if err := d.Touch(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	info, err := d.Stat(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if info.ModTime.Before(before) || info.Size != 5 {
		t.Fatalf("after Touch: mtime %v (want after %v), size %d (want 5)", info.ModTime, before, info.Size)
	}
	for info, err := range d.List(ctx, "a/", "") {
		if err != nil || info.ModTime.Before(before) {
			t.Fatalf("List after Touch: %v, %v", info, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Touch(cancelled, "a/b"); err == nil {
		t.Fatal("Touch ignored a done context")
	}
}

func setModTime(p string, t time.Time) error { return os.Chtimes(p, t, t) }
