package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'s', '3'}).Read(b)
	return b
}

// readAll reads key whole through d.
func readAll(t *testing.T, d *Driver, key string) []byte {
	t.Helper()
	r, _, err := d.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data
}

// resumeOn resumes upload id on d, failing t unless it holds size bytes.
func resumeOn(t *testing.T, d *Driver, id string, size int64) *upload {
	t.Helper()
	u, err := d.Upload(t.Context(), id)
	if err != nil {
		t.Fatalf("resuming %s: %v", id, err)
	}
	if u.Size() != size {
		t.Fatalf("resumed %s with %d bytes, want %d", id, u.Size(), size)
	}
	return u.(*upload)
}

// writeChunks writes data in chunks of n bytes.
func writeChunks(t *testing.T, u storage.Upload, data []byte, n int) {
	t.Helper()
	for chunk := range slices.Chunk(data, n) {
		if w, err := u.Write(chunk); w != len(chunk) || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", len(chunk), w, err)
		}
	}
}

// TestUploadAcrossReplicas writes one blob of two and a half parts in three
// sessions, each on its own Driver (as three pier processes would), with
// chunks that straddle part boundaries, and commits it from the third.
func TestUploadAcrossReplicas(t *testing.T) {
	cfg := testConfig(t)
	replicas := []*Driver{openDriver(t, cfg, true), openDriver(t, cfg, false), openDriver(t, cfg, false)}
	data := randomBytes(2*basePartSize + basePartSize/2 + 12345)
	cuts := []int{basePartSize - 1000, 2*basePartSize + 7} // session boundaries
	const chunk = 3<<20 + 7

	u, err := replicas[0].Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, data[:cuts[0]], chunk)
	closeUpload(t, u)
	rec := loadRecordT(t, replicas[1], id)
	if len(rec.Parts) != 0 || rec.Leftover != int64(cuts[0]) {
		t.Errorf("after session 1: %d parts, leftover %d; want 0 parts, leftover %d", len(rec.Parts), rec.Leftover, cuts[0])
	}

	u = resumeOn(t, replicas[1], id, int64(cuts[0]))
	writeChunks(t, u, data[cuts[0]:cuts[1]], chunk)
	closeUpload(t, u)
	rec = loadRecordT(t, replicas[2], id)
	if len(rec.Parts) != 2 || rec.Leftover != 7 || rec.Multipart == "" {
		t.Errorf("after session 2: %d parts, leftover %d, multipart %q; want 2 parts, leftover 7", len(rec.Parts), rec.Leftover, rec.Multipart)
	}

	u = resumeOn(t, replicas[2], id, int64(cuts[1]))
	writeChunks(t, u, data[cuts[1]:], chunk)
	if err := u.Commit(t.Context(), "blobs/across"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Cleanup(func() { replicas[0].Delete(context.Background(), "blobs/across") })

	if got := readAll(t, replicas[1], "blobs/across"); !bytes.Equal(got, data) {
		t.Errorf("committed %d bytes that differ from the %d written", len(got), len(data))
	}
	if left := rawKeys(t, replicas[0], stagingDir); len(left) != 0 {
		t.Errorf("staging objects left after Commit: %q", left)
	}
	if _, err := replicas[0].Upload(t.Context(), id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("resuming a committed upload: %v, want ErrNotFound", err)
	}
}

func closeUpload(t *testing.T, u storage.Upload) {
	t.Helper()
	if err := u.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func loadRecordT(t *testing.T, d *Driver, id string) *record {
	t.Helper()
	rec, err := d.loadRecord(t.Context(), id)
	if err != nil {
		t.Fatalf("loading record of %s: %v", id, err)
	}
	return rec
}

// TestLeftovers follows the bytes after the last part: saved under a new
// name on each Close that changed them, the old one removed, untouched by
// a Close that changed nothing, and published by a single PUT.
func TestLeftovers(t *testing.T) {
	d := newTestDriver(t)
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, []byte("first "), 100)
	closeUpload(t, u)
	wantStaged(t, d, id, "leftover-1", "record")

	u = resumeOn(t, d, id, 6)
	writeChunks(t, u, []byte("second"), 100)
	closeUpload(t, u)
	wantStaged(t, d, id, "leftover-2", "record")
	before := loadRecordT(t, d, id)

	u = resumeOn(t, d, id, 12)
	closeUpload(t, u) // nothing new
	wantStaged(t, d, id, "leftover-2", "record")
	if after := loadRecordT(t, d, id); after.Gen != before.Gen {
		t.Errorf("a Close without writes moved the leftover from %d to %d", before.Gen, after.Gen)
	}

	u = resumeOn(t, d, id, 12)
	if err := u.Commit(t.Context(), "small"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Cleanup(func() { d.Delete(context.Background(), "small") })
	if got := readAll(t, d, "small"); string(got) != "first second" {
		t.Errorf("committed %q", got)
	}
	wantStaged(t, d, id)
}

// wantStaged fails t unless upload id has exactly the staged objects names.
func wantStaged(t *testing.T, d *Driver, id string, names ...string) {
	t.Helper()
	var got []string
	for _, key := range rawKeys(t, d, stagingDir+id+"/") {
		got = append(got, key[len(stagingDir+id+"/"):])
	}
	if !slices.Equal(got, names) {
		t.Errorf("staged objects of %s: %q, want %q", id, got, names)
	}
}

// TestFullPartOnClose: a session that ends exactly on a part boundary
// leaves no leftover, and the next session starts a new part.
func TestFullPartOnClose(t *testing.T) {
	d := newTestDriver(t)
	data := randomBytes(basePartSize + 10)
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, data[:basePartSize], 1<<20)
	closeUpload(t, u)
	wantStaged(t, d, id, "record")
	u = resumeOn(t, d, id, basePartSize)
	writeChunks(t, u, data[basePartSize:], 1<<20)
	if err := u.Commit(t.Context(), "boundary"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Cleanup(func() { d.Delete(context.Background(), "boundary") })
	if got := readAll(t, d, "boundary"); !bytes.Equal(got, data) {
		t.Errorf("committed bytes differ")
	}
}

// TestCancelLeavesNothing cancels an upload with parts in S3 and a
// leftover, from another replica, and checks that neither objects nor the
// multipart upload remain.
func TestCancelLeavesNothing(t *testing.T) {
	cfg := testConfig(t)
	d1, d2 := openDriver(t, cfg, true), openDriver(t, cfg, false)
	u, err := d1.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, randomBytes(basePartSize+100), 1<<20)
	closeUpload(t, u)
	mid := loadRecordT(t, d1, id).Multipart
	if mid == "" {
		t.Fatal("no multipart upload after a full part")
	}
	if n := openMultipart(t, d1, id, mid); n != 1 {
		t.Fatalf("multipart upload %s lists %d parts, want 1", mid, n)
	}

	u = resumeOn(t, d2, id, basePartSize+100)
	if err := u.Cancel(t.Context()); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	if left := rawKeys(t, d1, ""); len(left) != 0 {
		t.Errorf("objects left after Cancel: %q", left)
	}
	if n := openMultipart(t, d1, id, mid); n != -1 {
		t.Errorf("multipart upload %s still open after Cancel", mid)
	}
	res, err := d1.core.ListMultipartUploads(t.Context(), d1.bucket, d1.stagingObject(id, "data"), "", "", "", 100)
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(res.Uploads) != 0 {
		t.Errorf("open multipart uploads on the staging object after Cancel: %d", len(res.Uploads))
	}
	if _, err := d1.Upload(t.Context(), id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("resuming a cancelled upload: %v, want ErrNotFound", err)
	}
}

// openMultipart returns how many parts multipart upload mid of upload id
// lists, or -1 if S3 no longer knows it.
func openMultipart(t *testing.T, d *Driver, id, mid string) int {
	t.Helper()
	res, err := d.core.ListObjectParts(t.Context(), d.bucket, d.stagingObject(id, "data"), mid, 0, 1000)
	if isNotFound(err) {
		return -1
	}
	if err != nil {
		t.Fatalf("ListObjectParts: %v", err)
	}
	return len(res.ObjectParts)
}

// TestPurgeUploads: stale uploads (and strays without a record) go, recent
// ones stay; StagedUploads lists what is open.
func TestPurgeUploads(t *testing.T) {
	d := newTestDriver(t)
	ctx := t.Context()
	u, err := d.Upload(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, randomBytes(basePartSize+1), 1<<20)
	closeUpload(t, u)
	mid := loadRecordT(t, d, id).Multipart
	stray := newUploadID()
	if err := d.putObject(ctx, "test", stray, d.stagingObject(stray, "leftover-3"), []byte("x")); err != nil {
		t.Fatal(err)
	}

	var listed []string
	for su, err := range d.StagedUploads(ctx) {
		if err != nil {
			t.Fatalf("StagedUploads: %v", err)
		}
		listed = append(listed, su.ID)
		if time.Since(su.Updated) > time.Hour || time.Until(su.Updated) > time.Hour {
			t.Errorf("upload %s updated at %v", su.ID, su.Updated)
		}
	}
	if !slices.Equal(listed, []string{id}) {
		t.Errorf("StagedUploads = %q, want [%q]", listed, id)
	}

	if n, err := d.PurgeUploads(ctx, time.Now().Add(-time.Hour)); n != 0 || err != nil {
		t.Errorf("purging uploads older than an hour: %d, %v; want 0, nil", n, err)
	}
	if n, err := d.PurgeUploads(ctx, time.Now().Add(time.Hour)); n != 2 || err != nil {
		t.Errorf("purging everything: %d, %v; want 2, nil", n, err)
	}
	if _, err := d.Upload(ctx, id); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("resuming a purged upload: %v, want ErrNotFound", err)
	}
	if n := openMultipart(t, d, id, mid); n != -1 {
		t.Errorf("multipart upload of a purged upload is still open")
	}
}

// TestStagingInvisible: staged uploads never show in List, even from "".
func TestStagingInvisible(t *testing.T) {
	d := newTestDriver(t)
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, u, []byte("staged"), 10)
	closeUpload(t, u)
	t.Cleanup(func() {
		if u, err := d.Upload(context.Background(), u.ID()); err == nil {
			u.Cancel(context.Background())
		}
	})
	if err := d.Put(t.Context(), "0", []byte("v")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Delete(context.Background(), "0") })
	var keys []string
	for info, err := range d.List(t.Context(), "", "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	if !slices.Equal(keys, []string{"0"}) {
		t.Errorf("List = %q, want [0]", keys)
	}
}
