package fs_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLayout checks the files behind keys, as the package doc draws them.
func TestLayout(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	for _, key := range []string{"_catalog/a", "_catalog/a/b"} {
		if err := d.Put(ctx, key, []byte(key)); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
	}
	for _, p := range []string{"_catalog/a~", "_catalog/a/b~"} {
		if fi, err := os.Stat(filepath.Join(root, p)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v", p, err)
		}
	}

	r, _, err := d.Open(ctx, "_catalog/a")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, ok := r.(*os.File); !ok {
		t.Errorf("Open returned %T, want *os.File (for sendfile)", r)
	}
	r.Close()

	u, err := d.Upload(ctx, "")
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	staged := filepath.Join(root, "~uploads", u.ID())
	if _, err := os.Stat(staged); err != nil {
		t.Errorf("no staging file: %v", err)
	}
	if err := u.Commit(ctx, "blobs/x"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "~uploads")); !os.IsNotExist(err) {
		t.Errorf("staging area left after the last upload: %v", err)
	}
	for _, key := range []string{"_catalog/a", "_catalog/a/b", "blobs/x"} {
		if err := d.Delete(ctx, key); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
	}
	checkBare(t, root)
}

// TestListSkipsStrangers lists around names the driver did not write:
// leftovers of a crash, or files an operator put there.
func TestListSkipsStrangers(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	if err := d.Put(ctx, "k/v", []byte("v")); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(root, "k", "~put-crashed"))
	mustWrite(t, filepath.Join(root, "k", "plainfile"))
	mustWrite(t, filepath.Join(root, "~uploads", "stale"))
	if err := os.MkdirAll(filepath.Join(root, "k", "dir~"), 0o700); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for info, err := range d.List(ctx, "", "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		keys = append(keys, info.Key)
	}
	if !slices.Equal(keys, []string{"k/v"}) {
		t.Errorf("listed %q, want only k/v", keys)
	}
}

func mustWrite(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}
