package mem

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestInvalidKeys refuses, with ErrInvalidKey, every key the fs driver
// refuses, so code tested over mem also runs on disk.
func TestInvalidKeys(t *testing.T) {
	d := New()
	ctx := t.Context()
	long := strings.Repeat("x", 255)
	for _, key := range []string{
		"", "/", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a\\b", "a\x00b", "a~", "a/" + long,
	} {
		if err := d.Put(ctx, key, nil); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
		}
		if _, err := d.Stat(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Stat(%q): %v, want ErrInvalidKey", key, err)
		}
	}
	if err := d.Put(ctx, strings.Repeat("y", 254), nil); err != nil {
		t.Errorf("Put of a 254-byte segment: %v", err)
	}
}

// TestPutCopies keeps a stored value apart from the caller's slice.
func TestPutCopies(t *testing.T) {
	d := New()
	data := []byte("before")
	if err := d.Put(t.Context(), "k", data); err != nil {
		t.Fatal(err)
	}
	copy(data, "AFTER!")
	r, _, err := d.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); string(got) != "before" {
		t.Errorf("stored value changed with the caller's slice: %q", got)
	}
}
