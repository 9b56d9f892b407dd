package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"sync"
	"testing"

	"github.com/pier-registry/pier/storage"
)

var uploadTests = []test{
	{"UploadResumeCommit", testUploadResumeCommit},
	{"UploadCommitReplaces", testUploadCommitReplaces},
	{"UploadCancel", testUploadCancel},
	{"UploadEmpty", testUploadEmpty},
	{"UploadLarge", testUploadLarge},
	{"UploadsSeparate", testUploadsSeparate},
	{"UploadsConcurrent", testUploadsConcurrent},
	{"UploadSpent", testUploadSpent},
	{"UploadHeld", testUploadHeld},
}

var uploadID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// startUpload starts an upload and, when t ends, cancels it if it is still
// there, so that a failed test leaves nothing staged.
func startUpload(t *testing.T, d storage.Driver) storage.Upload {
	t.Helper()
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatalf("starting an upload: %v", err)
	}
	if !uploadID.MatchString(u.ID()) {
		t.Fatalf("upload id %q is not made of [A-Za-z0-9_-]", u.ID())
	}
	id := u.ID()
	t.Cleanup(func() {
		ctx := context.Background()
		u, err := d.Upload(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return
		}
		if err == nil {
			err = u.Cancel(ctx)
		}
		if err != nil {
			t.Errorf("cancelling upload %s: %v", id, err)
		}
	})
	return u
}

// resume resumes upload id, failing t unless it holds size bytes.
func resume(t *testing.T, d storage.Driver, id string, size int64) storage.Upload {
	t.Helper()
	u, err := d.Upload(t.Context(), id)
	if err != nil {
		t.Fatalf("resuming upload %s: %v", id, err)
	}
	if u.ID() != id || u.Size() != size {
		t.Fatalf("resumed upload %s as %s with %d bytes, want %d", id, u.ID(), u.Size(), size)
	}
	return u
}

func write(t *testing.T, u storage.Upload, data []byte) {
	t.Helper()
	if n, err := u.Write(data); n != len(data) || err != nil {
		t.Fatalf("Write of %d bytes = %d, %v", len(data), n, err)
	}
}

// commit publishes u at key, failing t on error, and deletes key when t ends.
func commit(t *testing.T, d storage.Driver, u storage.Upload, key string) {
	t.Helper()
	if err := u.Commit(t.Context(), key); err != nil {
		t.Fatalf("Commit(%q): %v", key, err)
	}
	deleteAtEnd(t, d, key)
}

func testUploadResumeCommit(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	const key = "deep/nested/path/to/blob"
	u := startUpload(t, d)
	id := u.ID()
	write(t, u, []byte("hello, "))
	if u.Size() != 7 {
		t.Errorf("Size = %d, want 7", u.Size())
	}
	// Staged bytes are invisible under every key.
	_, err := d.Stat(ctx, key)
	wantNotFound(t, "Stat before Commit", err)
	_, _, err = d.Open(ctx, key)
	wantNotFound(t, "Open before Commit", err)
	wantKeys(t, list(t, d, "", ""))
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	u = resume(t, d, id, 7)
	write(t, u, []byte("world"))
	if u.Size() != 12 {
		t.Errorf("Size = %d, want 12", u.Size())
	}
	commit(t, d, u, key)
	if got := read(t, d, key); string(got) != "hello, world" {
		t.Errorf("committed %q, want %q", got, "hello, world")
	}
	_, err = d.Upload(ctx, id)
	wantNotFound(t, "resuming a committed upload", err)
}

func testUploadCommitReplaces(t *testing.T, d storage.Driver) {
	put(t, d, "blob", []byte("old value, longer than the new"))
	u := startUpload(t, d)
	write(t, u, []byte("new"))
	commit(t, d, u, "blob")
	if got := read(t, d, "blob"); string(got) != "new" {
		t.Errorf("read %q, want %q", got, "new")
	}
}

func testUploadCancel(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	u := startUpload(t, d)
	id := u.ID()
	write(t, u, []byte("discard me"))
	if err := u.Cancel(ctx); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	_, err := d.Upload(ctx, id)
	wantNotFound(t, "resuming a cancelled upload", err)

	// Cancel works on a resumed upload too.
	u = startUpload(t, d)
	id = u.ID()
	write(t, u, []byte("staged"))
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	u = resume(t, d, id, 6)
	if err := u.Cancel(ctx); err != nil {
		t.Fatalf("Cancel after resume: %v", err)
	}
	_, err = d.Upload(ctx, id)
	wantNotFound(t, "resuming a cancelled upload", err)
	wantKeys(t, list(t, d, "", ""))
}

func testUploadEmpty(t *testing.T, d storage.Driver) {
	u := startUpload(t, d)
	commit(t, d, u, "empty/blob")
	info, err := d.Stat(t.Context(), "empty/blob")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, "empty/blob", 0)
}

// testUploadLarge streams 64 MiB in 1 MiB pieces, closing and resuming
// halfway, and compares digests rather than holding the data.
func testUploadLarge(t *testing.T, d storage.Driver) {
	const piece = 1 << 20
	pieces := 64
	if testing.Short() {
		pieces = 8
	}
	rng := rand.NewChaCha8([32]byte{'p', 'i', 'e', 'r'})
	buf := make([]byte, piece)
	sent := sha256.New()
	u := startUpload(t, d)
	for i := range pieces {
		_, _ = rng.Read(buf) // never fails
		sent.Write(buf)
		write(t, u, buf)
		if i == pieces/2 {
			if err := u.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			u = resume(t, d, u.ID(), int64(i+1)*piece)
		}
	}
	size := int64(pieces) * piece
	if u.Size() != size {
		t.Errorf("Size = %d, want %d", u.Size(), size)
	}
	commit(t, d, u, "blobs/large")

	r, info, err := d.Open(t.Context(), "blobs/large")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	if info.Size != size {
		t.Errorf("Open: Size = %d, want %d", info.Size, size)
	}
	got := sha256.New()
	if _, err := io.CopyBuffer(got, r, buf); err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !bytes.Equal(got.Sum(nil), sent.Sum(nil)) {
		t.Errorf("committed bytes differ from the bytes written")
	}
}

// testUploadsSeparate interleaves the writes of two uploads.
func testUploadsSeparate(t *testing.T, d storage.Driver) {
	u1, u2 := startUpload(t, d), startUpload(t, d)
	if u1.ID() == u2.ID() {
		t.Fatalf("two uploads share id %s", u1.ID())
	}
	for range 10 {
		write(t, u1, []byte("one "))
		write(t, u2, []byte("two "))
	}
	commit(t, d, u2, "two")
	commit(t, d, u1, "one")
	if got := string(read(t, d, "one")); got != string(bytes.Repeat([]byte("one "), 10)) {
		t.Errorf("one = %q", got)
	}
	if got := string(read(t, d, "two")); got != string(bytes.Repeat([]byte("two "), 10)) {
		t.Errorf("two = %q", got)
	}
}

// testUploadsConcurrent runs uploads in goroutines at once.
func testUploadsConcurrent(t *testing.T, d storage.Driver) {
	keys := []string{"c/0", "c/1", "c/2", "c/3"}
	uploads := make([]storage.Upload, len(keys))
	for i, key := range keys {
		uploads[i] = startUpload(t, d)
		deleteAtEnd(t, d, key)
	}
	var wg sync.WaitGroup
	for i, u := range uploads {
		wg.Go(func() {
			chunk := bytes.Repeat([]byte{byte('0' + i)}, 4096)
			for range 64 {
				if _, err := u.Write(chunk); err != nil {
					t.Errorf("upload %d: Write: %v", i, err)
					return
				}
			}
			if err := u.Commit(t.Context(), keys[i]); err != nil {
				t.Errorf("upload %d: Commit: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, key := range keys {
		want := bytes.Repeat([]byte{byte('0' + i)}, 64*4096)
		if got := read(t, d, key); !bytes.Equal(got, want) {
			t.Errorf("%s holds %d bytes, not the %d written", key, len(got), len(want))
		}
	}
}

// testUploadSpent uses an Upload after Close and after Commit.
func testUploadSpent(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	u := startUpload(t, d)
	write(t, u, []byte("x"))
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := u.Write([]byte("y")); err == nil {
		t.Errorf("Write after Close succeeded")
	}
	u = resume(t, d, u.ID(), 1)
	commit(t, d, u, "spent")
	if _, err := u.Write([]byte("y")); err == nil {
		t.Errorf("Write after Commit succeeded")
	}
	if err := u.Commit(ctx, "spent/again"); err == nil {
		t.Errorf("a second Commit succeeded")
		deleteAtEnd(t, d, "spent/again")
	}
	if got := read(t, d, "spent"); string(got) != "x" {
		t.Errorf("spent = %q, want %q", got, "x")
	}
}

// testUploadHeld: a session holds its upload alone until Close, Commit or
// Cancel; resuming it meanwhile fails with ErrUploadBusy.
func testUploadHeld(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	u := startUpload(t, d)
	if _, err := d.Upload(ctx, u.ID()); !errors.Is(err, storage.ErrUploadBusy) {
		t.Fatalf("resuming a new upload held by its session: %v, want ErrUploadBusy", err)
	}
	write(t, u, []byte("x"))
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	u = resume(t, d, u.ID(), 1)
	if _, err := d.Upload(ctx, u.ID()); !errors.Is(err, storage.ErrUploadBusy) {
		t.Fatalf("resuming a resumed upload: %v, want ErrUploadBusy", err)
	}
	if err := u.Cancel(ctx); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if _, err := d.Upload(ctx, u.ID()); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("resuming a cancelled upload: %v, want ErrNotFound", err)
	}
}
