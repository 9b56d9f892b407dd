package fs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pier-registry/pier/storage/fs"
)

func newDriver(t *testing.T) (*fs.Driver, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	d, err := fs.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d, root
}

func TestInvalidKeys(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	long := strings.Repeat("x", 255)
	for _, key := range []string{
		"", "/", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../a", "..\\a",
		"a\\b", "a\x00b", "a~", "~uploads/x", "a/~put-x", "a/b~/c", long, "a/" + long,
	} {
		t.Run(strings.ToValidUTF8(key, "?"), func(t *testing.T) {
			wantInvalid := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, fs.ErrInvalidKey) {
					t.Errorf("%s(%q): %v, want fs.ErrInvalidKey", what, key, err)
				}
			}
			wantInvalid("Put", d.Put(ctx, key, []byte("v")))
			_, _, err := d.Open(ctx, key)
			wantInvalid("Open", err)
			_, err = d.Stat(ctx, key)
			wantInvalid("Stat", err)
			wantInvalid("Delete", d.Delete(ctx, key))
			u, err := d.Upload(ctx, "")
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			wantInvalid("Commit", u.Commit(ctx, key))
			// A refused Commit leaves the upload usable.
			if err := u.Cancel(ctx); err != nil {
				t.Errorf("Cancel after a refused Commit: %v", err)
			}
		})
	}
	checkBare(t, root)
}

// TestOddValidKeys stores keys that look like trouble but are valid.
func TestOddValidKeys(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	keys := []string{"...", ".a", "a..b", "-", "_", " space", "ünïcode/ключ", strings.Repeat("y", 254)}
	for _, key := range keys {
		if err := d.Put(ctx, key, []byte(key)); err != nil {
			t.Errorf("Put(%q): %v", key, err)
			continue
		}
		if info, err := d.Stat(ctx, key); err != nil || info.Size != int64(len(key)) {
			t.Errorf("Stat(%q) = %+v, %v", key, info, err)
		}
		if err := d.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	checkBare(t, root)
}

// TestNoEscape keeps every key, prefix and upload id inside the root.
func TestNoEscape(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	parent := filepath.Dir(root)
	for _, name := range []string{"secret~", "secret"} {
		if err := os.WriteFile(filepath.Join(parent, name), []byte("outside"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := d.Open(ctx, "../secret"); !errors.Is(err, fs.ErrInvalidKey) {
		t.Errorf("Open(../secret): %v, want fs.ErrInvalidKey", err)
	}
	for _, prefix := range []string{"../", "..", "../secret", "/", "~uploads/"} {
		for info, err := range d.List(ctx, prefix, "") {
			t.Errorf("List(%q) yielded %+v, %v", prefix, info, err)
		}
	}
	for _, id := range []string{"../secret", "../../secret", "..", "a/b", "x\x00"} {
		if _, err := d.Upload(ctx, id); err == nil {
			t.Errorf("Upload(%q) resumed something", id)
		}
	}
	checkBare(t, root)
}

func TestNew(t *testing.T) {
	if _, err := fs.New(""); err == nil {
		t.Errorf(`New("") succeeded`)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.New(file); err == nil {
		t.Errorf("New over a regular file succeeded")
	}
	deep := filepath.Join(t.TempDir(), "a", "b", "c")
	if _, err := fs.New(deep); err != nil {
		t.Errorf("New(%s): %v", deep, err)
	}
	if fi, err := os.Stat(deep); err != nil || !fi.IsDir() {
		t.Errorf("New did not create its root: %v", err)
	}
}
