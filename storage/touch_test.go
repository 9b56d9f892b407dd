package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// toucher is a driver whose Touch answers err.
type toucher struct {
	storage.Driver
	err     error
	touched int
}

func (t *toucher) Touch(context.Context, string) error {
	t.touched++
	return t.err
}

func TestTouch(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		err     error
		want    error
		written bool // the key was (re)written with Put
	}{
		{"touched", nil, nil, false},
		{"absent", storage.ErrNotFound, nil, true},
		{"cannot touch", errors.ErrUnsupported, nil, true},
		{"failed", boom, boom, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &toucher{Driver: mem.New(), err: tc.err}
			if err := d.Put(ctx, "k", []byte("value")); err != nil {
				t.Fatal(err)
			}
			if err := storage.Touch(ctx, storage.New(d), "k"); !errors.Is(err, tc.want) {
				t.Fatalf("touch = %v, want %v", err, tc.want)
			}
			info, err := d.Stat(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			if d.touched != 1 || (info.Size == 0) != tc.written {
				t.Fatalf("Touch called %d times, value size %d; want 1 call and rewritten=%v", d.touched, info.Size, tc.written)
			}
		})
	}
	// A driver without Touch has the key rewritten.
	d := mem.New()
	if err := storage.Touch(ctx, storage.New(d), "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(ctx, "new"); err != nil {
		t.Fatalf("touch did not create the key: %v", err)
	}
}
