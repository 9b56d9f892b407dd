package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// One collector at a time: a second one finds the lease held.
func TestGCLease(t *testing.T) {
	t.Parallel()
	d := mem.New()
	a, b := storage.New(d), storage.New(d)
	storage.SetGCTiming(a, storage.FastGCTiming)
	storage.SetGCTiming(b, storage.FastGCTiming)
	inScan, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		_, err := a.CollectGarbage(context.Background(), storage.GCOptions{Grace: gcGrace, Progress: func(p storage.GCProgress) {
			if first {
				first = false
				close(inScan)
				<-release
			}
		}})
		done <- err
	}()
	<-inScan
	_, err := b.CollectGarbage(context.Background(), storage.GCOptions{Grace: gcGrace})
	if !errors.Is(err, storage.ErrGCBusy) || !strings.Contains(err.Error(), "held by") {
		t.Fatalf("second collector: %v, want ErrGCBusy naming the holder", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first collector: %v", err)
	}
	if _, err := b.CollectGarbage(context.Background(), storage.GCOptions{Grace: gcGrace}); err != nil {
		t.Fatalf("after the first finished: %v", err)
	}
	if left := keys(t, a, "_gc/lease"); len(left) != 0 {
		t.Fatalf("lease not released: %v", left)
	}
}

func TestGCRejectsShortGrace(t *testing.T) {
	t.Parallel()
	if _, err := newGCStore(t).CollectGarbage(context.Background(), storage.GCOptions{Grace: time.Millisecond}); err == nil {
		t.Fatal("a grace period of 1ms was accepted")
	}
}

// putTombstone writes a collector's tombstone the way a collector does,
// to play one step by step.
func putTombstone(t *testing.T, s *storage.Store, d digest.Digest, state, repo string) {
	t.Helper()
	body := `{"state":"` + state + `","repos":["` + repo + `"]}`
	key := "_gc/tombstones/" + string(d.Algorithm()) + "/" + d.Encoded() + "/test"
	if err := s.Driver().Put(context.Background(), key, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// A HEAD during a sweep of the blob waits for the collector, then reports
// what it left: here the collector deleted the link, so the blob is
// missing and the client will upload it again.
func TestHeadWaitsForSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	data := randomBytes(10)
	d := digest.FromBytes(data)
	if err := pushBlob(ctx, s, "r", data); err != nil {
		t.Fatal(err)
	}
	putTombstone(t, s, d, "pending", "r")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := s.StatBlob(short, "r", d)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("HEAD during a sweep: %v, want it to wait (and time out)", err)
	}

	res := make(chan error, 1)
	go func() { _, err := s.StatBlob(ctx, "r", d); res <- err }()
	if err := s.Driver().Delete(ctx, "repositories/r/_blobs/sha256/"+d.Encoded()); err != nil {
		t.Fatal(err)
	}
	putTombstone(t, s, d, "collected", "r")
	if err := <-res; !errors.Is(err, storage.ErrBlobUnknown) {
		t.Fatalf("HEAD after the sweep: %v, want ErrBlobUnknown", err)
	}
	// Uploading it again works, and a manifest may use it.
	if err := pushBlob(ctx, s, "r", data); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatBlob(ctx, "r", d); err != nil {
		t.Fatalf("after the upload: %v", err)
	}
}

// A pending tombstone of a collector that stopped delays nobody for longer
// than pendingLife.
func TestAbandonedTombstone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	timing := storage.FastGCTiming
	timing.PendingLife = 300 * time.Millisecond
	storage.SetGCTiming(s, timing)
	data := randomBytes(10)
	if err := pushBlob(ctx, s, "r", data); err != nil {
		t.Fatal(err)
	}
	putTombstone(t, s, digest.FromBytes(data), "pending", "r")
	if _, err := s.StatBlob(ctx, "r", digest.FromBytes(data)); err != nil {
		t.Fatalf("HEAD after an abandoned sweep: %v", err)
	}
}

// Upload sessions idle for longer than staleUpload are cancelled; active
// ones stay.
func TestGCStaleUploads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	timing := storage.FastGCTiming
	timing.StaleUpload = gcGrace
	storage.SetGCTiming(s, timing)
	old, err := s.StartUpload(ctx, "up", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteUpload(ctx, "up", old.ID, 0, strings.NewReader("partial")); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	fresh, err := s.StartUpload(ctx, "up", "")
	if err != nil {
		t.Fatal(err)
	}
	rep := collect(t, s, storage.GCOptions{})
	if rep.Uploads != 1 {
		t.Fatalf("cancelled %d uploads, want 1", rep.Uploads)
	}
	if _, err := s.GetUpload(ctx, "up", old.ID); !errors.Is(err, storage.ErrBlobUploadUnknown) {
		t.Fatalf("stale upload: %v, want ErrBlobUploadUnknown", err)
	}
	if _, err := s.GetUpload(ctx, "up", fresh.ID); err != nil {
		t.Fatalf("fresh upload: %v", err)
	}
}

// Tombstones go after tombstoneLife.
func TestGCPrunesTombstones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	timing := storage.FastGCTiming
	timing.TombstoneLife = gcGrace
	storage.SetGCTiming(s, timing)
	if err := pushBlob(ctx, s, "r", randomBytes(10)); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	if rep := collect(t, s, storage.GCOptions{}); rep.Blobs != 1 {
		t.Fatalf("collected %d blobs, want 1", rep.Blobs)
	}
	if len(keys(t, s, "_gc/tombstones/")) != 1 {
		t.Fatal("the sweep left no tombstone")
	}
	age(t, s)
	if rep := collect(t, s, storage.GCOptions{}); rep.Tombstones != 1 {
		t.Fatalf("pruned %d tombstones, want 1", rep.Tombstones)
	}
	if left := keys(t, s, "_gc/"); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
}
