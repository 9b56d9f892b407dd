package server

import (
	"context"
	"errors"
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
	"github.com/pier-registry/pier/storage/mem"
)

// TestMeasuredDriverTouch: a Toucher's touch reaches the driver through
// the decorator; over a driver without one, the decorator says so.
func TestMeasuredDriverTouch(t *testing.T) {
	ctx := context.Background()
	driver, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := MeasureDriver(driver, NewMetrics()).(storage.Toucher)
	if err := d.Touch(ctx, "a/b"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Touch of a missing key = %v, want ErrNotFound", err)
	}
	if err := driver.Put(ctx, "a/b", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := d.Touch(ctx, "a/b"); err != nil {
		t.Fatalf("Touch through the decorator: %v", err)
	}
	plain := MeasureDriver(mem.New(), NewMetrics()).(storage.Toucher)
	if err := plain.Touch(ctx, "a/b"); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Touch over a driver that cannot touch = %v, want errors.ErrUnsupported", err)
	}
}
