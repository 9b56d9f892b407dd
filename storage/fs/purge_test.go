package fs_test

import (
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// stagedUpload starts an upload, writes data and returns it still open.
func stagedUpload(t *testing.T, d *fs.Driver, data string) storage.Upload {
	t.Helper()
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(u, data); err != nil {
		t.Fatal(err)
	}
	return u
}

// closedUpload is a staged upload that no session holds: what a client
// that went away, or a process that crashed, leaves.
func closedUpload(t *testing.T, d *fs.Driver, data string) string {
	t.Helper()
	u := stagedUpload(t, d, data)
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	return u.ID()
}

func makeOld(t *testing.T, p string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(p, when, when); err != nil {
		t.Fatal(err)
	}
}

func exists(t *testing.T, p string) bool {
	t.Helper()
	_, err := os.Lstat(p)
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestPurgeUploads(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	before := time.Now().Add(-time.Hour)
	old := before.Add(-time.Hour)
	staged := func(id string) string { return filepath.Join(root, "~uploads", id) }

	for _, key := range []string{"repo/a", "top"} {
		if err := d.Put(ctx, key, []byte("value")); err != nil {
			t.Fatal(err)
		}
	}
	crashed := closedUpload(t, d, "crashed")
	fresh := closedUpload(t, d, "fresh")
	held := stagedUpload(t, d, "held ")
	t.Cleanup(func() { held.Cancel(context.Background()) })
	mustWrite(t, staged("not.ours"))
	mustWrite(t, filepath.Join(root, "repo", "~put-OLD"))
	mustWrite(t, filepath.Join(root, "deep", "er", "~put-OLD"))
	mustWrite(t, filepath.Join(root, "~put-OLD"))
	mustWrite(t, filepath.Join(root, "repo", "~put-FRESH"))
	mustWrite(t, filepath.Join(root, "repo", "stranger"))
	mustWrite(t, filepath.Join(root, "repo", "~stranger"))
	for _, p := range []string{
		staged(crashed), staged(held.ID()), staged("not.ours"), filepath.Join(root, "repo", "a~"),
		filepath.Join(root, "top~"), filepath.Join(root, "repo", "~put-OLD"), filepath.Join(root, "~put-OLD"),
		filepath.Join(root, "deep", "er", "~put-OLD"), filepath.Join(root, "repo", "stranger"),
		filepath.Join(root, "repo", "~stranger"),
	} {
		makeOld(t, p, old)
	}

	n, err := d.PurgeUploads(ctx, before)
	if err != nil || n != 1 {
		t.Fatalf("PurgeUploads = %d, %v; want 1 (the crashed upload), nil", n, err)
	}
	for p, want := range map[string]bool{
		staged(crashed):                           false,
		staged(fresh):                             true,
		staged(held.ID()):                         true,
		staged("not.ours"):                        true,
		filepath.Join(root, "repo", "a~"):         true,
		filepath.Join(root, "top~"):               true,
		filepath.Join(root, "repo", "~put-OLD"):   false,
		filepath.Join(root, "~put-OLD"):           false,
		filepath.Join(root, "deep"):               false, // emptied, so pruned
		filepath.Join(root, "repo", "~put-FRESH"): true,
		filepath.Join(root, "repo", "stranger"):   true,
		filepath.Join(root, "repo", "~stranger"):  true,
	} {
		if got := exists(t, p); got != want {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s exists: %v, want %v", rel, got, want)
		}
	}

	if _, err := d.Upload(ctx, crashed); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("resuming the purged upload: %v, want ErrNotFound", err)
	}
	// The held session goes on as if nothing happened.
	if _, err := io.WriteString(held, "session"); err != nil {
		t.Fatal(err)
	}
	if err := held.Commit(ctx, "repo/b"); err != nil {
		t.Fatalf("committing the held upload: %v", err)
	}
	if got := readValue(t, d, "repo/b"); got != "held session" {
		t.Errorf("repo/b = %q", got)
	}
	if n, err := d.PurgeUploads(ctx, before); err != nil || n != 0 {
		t.Fatalf("second PurgeUploads = %d, %v; want 0, nil", n, err)
	}
}

// TestPurgeUploadsAfterSession: a staged upload whose session has let it
// go is purged once stale, and only then.
func TestPurgeUploadsAfterSession(t *testing.T) {
	d, root := newDriver(t)
	ctx := t.Context()
	id := closedUpload(t, d, "data")
	if n, err := d.PurgeUploads(ctx, time.Now().Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("purging before the upload's last write = %d, %v; want 0, nil", n, err)
	}
	if n, err := d.PurgeUploads(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("purging after the upload's last write = %d, %v; want 1, nil", n, err)
	}
	if _, err := d.Upload(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("resuming the purged upload: %v, want ErrNotFound", err)
	}
	checkBare(t, root) // the emptied staging area is pruned too
}

func TestPurgeUploadsCancelled(t *testing.T) {
	d, root := newDriver(t)
	id := closedUpload(t, d, "data")
	mustWrite(t, filepath.Join(root, "repo", "~put-OLD"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n, err := d.PurgeUploads(ctx, time.Now().Add(time.Minute))
	if n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("PurgeUploads with a cancelled context = %d, %v; want 0, context.Canceled", n, err)
	}
	for _, p := range []string{filepath.Join(root, "~uploads", id), filepath.Join(root, "repo", "~put-OLD")} {
		if !exists(t, p) {
			t.Errorf("a cancelled purge removed %s", p)
		}
	}
}

func readValue(t *testing.T, d *fs.Driver, key string) string {
	t.Helper()
	r, _, err := d.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
