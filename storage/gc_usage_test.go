package storage_test

import (
	"context"
	"testing"

	"github.com/pier-registry/pier/storage"
)

// Shared layers count once in the total, and as shared in each repository.
func TestUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	base := [][]byte{randomBytes(1000)}
	a, b := newImage(base, 1), newImage(base, 1)
	mustPushImage(t, s, "a", "v1", a)
	mustPushImage(t, s, "b", "v1", b)
	if err := pushBlob(ctx, s, "b", randomBytes(7)); err != nil {
		t.Fatal(err)
	}

	u, err := s.Usage(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	size := func(data []byte) int64 { return int64(len(data)) }
	imgBytes := func(img gcImage) int64 {
		n := size(img.config) + size(img.manifest(nil))
		for _, l := range img.layers {
			n += size(l)
		}
		return n
	}
	if len(u.Repositories) != 2 {
		t.Fatalf("repositories %+v", u.Repositories)
	}
	ra, rb := u.Repositories[0], u.Repositories[1]
	if ra.Name != "a" || ra.Blobs != 4 || ra.Bytes != imgBytes(a) || ra.SharedBlobs != 1 || ra.SharedBytes != 1000 {
		t.Fatalf("a: %+v; want 4 blobs, %d bytes, the base layer shared", ra, imgBytes(a))
	}
	if rb.Blobs != 5 || rb.Bytes != imgBytes(b)+7 {
		t.Fatalf("b: %+v", rb)
	}
	if want := imgBytes(a) + imgBytes(b) + 7 - 1000; u.Bytes != want || u.Blobs != 8 {
		t.Fatalf("total %d blobs, %d bytes; want 8, %d (the base once)", u.Blobs, u.Bytes, want)
	}

	one, err := s.Usage(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Repositories) != 1 || len(one.Repositories[0].SharedWith) != 1 ||
		one.Repositories[0].SharedWith[0] != (storage.Share{Repo: "b", Blobs: 1, Bytes: 1000}) {
		t.Fatalf("usage of a: %+v", one.Repositories)
	}
}
