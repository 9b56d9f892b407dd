package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

var valueTests = []test{
	{"PutOpenStat", testPutOpenStat},
	{"PutEmpty", testPutEmpty},
	{"PutReplaces", testPutReplaces},
	{"PutAtomic", testPutAtomic},
	{"NotFound", testNotFound},
	{"ValueAndPrefix", testValueAndPrefix},
	{"InvalidKeys", testInvalidKeys},
	{"CancelledContext", testCancelledContext},
}

func testPutOpenStat(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	const key = "x/y/value"
	put(t, d, key, []byte("hello, world"))

	info, err := d.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, key, 12)

	r, oinfo, err := d.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	checkInfo(t, "Open", oinfo, key, 12)
	if data, err := io.ReadAll(r); err != nil || string(data) != "hello, world" {
		t.Fatalf("read %q, %v; want %q", data, err, "hello, world")
	}
	// http.ServeContent seeks to serve ranges and to find the size.
	if n, err := r.Seek(7, io.SeekStart); n != 7 || err != nil {
		t.Fatalf("Seek(7, start) = %d, %v", n, err)
	}
	if data, err := io.ReadAll(r); err != nil || string(data) != "world" {
		t.Fatalf("read after Seek: %q, %v; want %q", data, err, "world")
	}
	if n, err := r.Seek(0, io.SeekEnd); n != 12 || err != nil {
		t.Fatalf("Seek(0, end) = %d, %v; want 12", n, err)
	}
}

// checkInfo fails t unless info describes key with size bytes, written
// about now (a day either way allows for clock skew on network storage).
func checkInfo(t *testing.T, what string, info storage.Info, key string, size int64) {
	t.Helper()
	if info.Key != key || info.Size != size {
		t.Errorf("%s: Info{Key: %q, Size: %d}, want {%q, %d}", what, info.Key, info.Size, key, size)
	}
	if d := time.Since(info.ModTime); info.ModTime.IsZero() || d > 24*time.Hour || d < -24*time.Hour {
		t.Errorf("%s: ModTime %v is not about now", what, info.ModTime)
	}
}

func testPutEmpty(t *testing.T, d storage.Driver) {
	put(t, d, "empty", []byte{})
	info, err := d.Stat(t.Context(), "empty")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, "empty", 0)
	if data := read(t, d, "empty"); len(data) != 0 {
		t.Errorf("read %q, want nothing", data)
	}
}

func testPutReplaces(t *testing.T, d storage.Driver) {
	put(t, d, "k", []byte("the first value, which is longer"))
	put(t, d, "k", []byte("second"))
	if got := read(t, d, "k"); string(got) != "second" {
		t.Errorf("read %q, want %q", got, "second")
	}
	info, err := d.Stat(t.Context(), "k")
	if err != nil || info.Size != 6 {
		t.Errorf("Stat = %+v, %v; want Size 6", info, err)
	}
}

// testPutAtomic replaces a value again and again while readers check that
// every read sees one whole version.
func testPutAtomic(t *testing.T, d storage.Driver) {
	const key = "atomic/value"
	as := bytes.Repeat([]byte{'a'}, 1<<20)
	bs := bytes.Repeat([]byte{'b'}, 1<<20)
	put(t, d, key, as)

	var done atomic.Bool
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				got, err := readQuietly(t.Context(), d, key)
				if err != nil {
					t.Errorf("reading while replacing: %v", err)
					return
				}
				if !bytes.Equal(got, as) && !bytes.Equal(got, bs) {
					t.Errorf("read a mix: %d bytes, %d of them 'a'", len(got), bytes.Count(got, []byte{'a'}))
					return
				}
				if done.Load() {
					return
				}
			}
		})
	}
	for i := range 16 {
		v := as
		if i%2 == 0 {
			v = bs
		}
		if err := d.Put(t.Context(), key, v); err != nil {
			t.Errorf("Put #%d: %v", i, err)
			break
		}
	}
	done.Store(true)
	wg.Wait()
}

// readQuietly is read for goroutines, which must not call t.Fatal.
func readQuietly(ctx context.Context, d storage.Driver, key string) ([]byte, error) {
	r, _, err := d.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func testNotFound(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	_, _, err := d.Open(ctx, "missing/key")
	wantNotFound(t, "Open of a missing key", err)
	_, err = d.Stat(ctx, "missing/key")
	wantNotFound(t, "Stat of a missing key", err)
	_, err = d.Upload(ctx, "unknown-id")
	wantNotFound(t, `Upload(ctx, "unknown-id")`, err)
	if err := d.Delete(ctx, "missing/key"); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}

	// A prefix of a key, and a key under a value, are not keys.
	put(t, d, "p/q", []byte("v"))
	for _, key := range []string{"p", "p/q/r"} {
		_, _, err := d.Open(ctx, key)
		wantNotFound(t, "Open("+key+")", err)
		_, err = d.Stat(ctx, key)
		wantNotFound(t, "Stat("+key+")", err)
		if err := d.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	if got := read(t, d, "p/q"); string(got) != "v" {
		t.Errorf("p/q = %q after deleting its neighbours, want %q", got, "v")
	}
}

// testValueAndPrefix keeps a key that is also the prefix of another.
func testValueAndPrefix(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	put(t, d, "_catalog/a", []byte("outer"))
	put(t, d, "_catalog/a/b", []byte("inner"))
	check := func(key, want string) {
		t.Helper()
		if got := read(t, d, key); string(got) != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	check("_catalog/a", "outer")
	check("_catalog/a/b", "inner")
	wantKeys(t, list(t, d, "_catalog/", ""), "_catalog/a", "_catalog/a/b")

	if err := d.Delete(ctx, "_catalog/a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	check("_catalog/a/b", "inner")
	put(t, d, "_catalog/a", []byte("again"))
	if err := d.Delete(ctx, "_catalog/a/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	check("_catalog/a", "again")
	wantKeys(t, list(t, d, "_catalog/", ""), "_catalog/a")
}

// invalidKeys break the key rules of storage.Driver; every driver refuses them.
var invalidKeys = []string{
	"", "/", "/a", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b", "a/../b", "../a", "a\x00b",
}

func testInvalidKeys(t *testing.T, d storage.Driver) {
	ctx := t.Context()
	for _, key := range invalidKeys {
		if err := d.Put(ctx, key, []byte("v")); err == nil {
			t.Errorf("Put(%q) succeeded", key)
			deleteAtEnd(t, d, key)
		}
		if r, _, err := d.Open(ctx, key); err == nil {
			r.Close()
			t.Errorf("Open(%q) succeeded", key)
		}
		if _, err := d.Stat(ctx, key); err == nil {
			t.Errorf("Stat(%q) succeeded", key)
		}
		if err := d.Delete(ctx, key); err == nil {
			t.Errorf("Delete(%q) succeeded", key)
		}
		u := startUpload(t, d)
		if err := u.Commit(ctx, key); err == nil {
			t.Errorf("Commit(%q) succeeded", key)
			deleteAtEnd(t, d, key)
		} else {
			_ = u.Cancel(ctx) // the cleanup of startUpload reports what this misses
		}
	}
	// A prefix is raw text, not a key: odd ones match nothing, without error.
	for _, prefix := range []string{"/", "../", "..", "a//", "\x00"} {
		wantKeys(t, list(t, d, prefix, ""))
	}
}

func testCancelledContext(t *testing.T, d storage.Driver) {
	put(t, d, "present", []byte("v"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantCanceled := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", what, err)
		}
	}
	wantCanceled("Put", d.Put(ctx, "new", []byte("v")))
	if _, err := d.Stat(t.Context(), "new"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a Put with a cancelled context stored its value (Stat: %v)", err)
		deleteAtEnd(t, d, "new")
	}
	_, _, err := d.Open(ctx, "present")
	wantCanceled("Open", err)
	_, err = d.Stat(ctx, "present")
	wantCanceled("Stat", err)
	wantCanceled("Delete", d.Delete(ctx, "present"))
	if u, err := d.Upload(ctx, ""); err == nil {
		t.Errorf("Upload with a cancelled context succeeded")
		_ = u.Cancel(t.Context())
	} else {
		wantCanceled("Upload", err)
	}
	var listErr error
	for info, err := range d.List(ctx, "", "") {
		if err != nil {
			listErr = err
			break
		}
		t.Errorf("List with a cancelled context yielded %q", info.Key)
	}
	wantCanceled("List", listErr)
}
