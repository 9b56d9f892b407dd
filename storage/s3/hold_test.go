package s3

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// quickHolds makes d's locks stale after 3 seconds, so that tests can see
// renewals and take-overs. The margin covers the one-second resolution of
// Last-Modified and Date.
func quickHolds(d *Driver) *Driver {
	d.holdTimes = holdTimes{ttl: 3 * time.Second, renew: 250 * time.Millisecond, margin: 1500 * time.Millisecond}
	return d
}

// newHold is a hold on upload id as a new session of d would make it.
func newHold(d *Driver, id string) *hold {
	return &hold{d: d, id: id, object: d.stagingObject(id, "lock"), holder: newUploadID(), times: d.holdTimes}
}

// TestConditionalWrites checks what holds rest on, against the real
// server: a second create under If-None-Match: * fails with 412
// PreconditionFailed, and If-Match replaces only the version it names.
func TestConditionalWrites(t *testing.T) {
	d := newTestDriver(t)
	ctx := t.Context()
	h := newHold(d, newUploadID())
	t.Cleanup(func() { d.removeObject(context.Background(), "test", h.id, h.object) })
	etag, err := h.put(ctx, "", 0)
	if err != nil {
		t.Fatalf("first create: %v", err)
	}
	_, err = h.put(ctx, "", 1)
	if resp := minio.ToErrorResponse(err); resp.StatusCode != http.StatusPreconditionFailed || resp.Code != "PreconditionFailed" {
		t.Fatalf("second create: %v (status %d, code %q), want 412 PreconditionFailed", err, resp.StatusCode, resp.Code)
	}
	if _, err := h.put(ctx, "0123456789abcdef0123456789abcdef", 1); !isConflict(err) {
		t.Errorf("If-Match with another ETag: %v, want 412", err)
	}
	newTag, err := h.put(ctx, etag, 1)
	if err != nil || newTag == etag {
		t.Fatalf("If-Match with the current ETag: %q, %v; want a new ETag", newTag, err)
	}
	if _, err := h.put(ctx, etag, 2); !isConflict(err) {
		t.Errorf("If-Match with the replaced ETag: %v, want 412", err)
	}
	st, err := h.read(ctx)
	if err != nil || st.etag != newTag || st.Renewal != 1 || st.Holder != h.holder {
		t.Errorf("read back %+v, %v; want renewal 1 with ETag %q", st, err, newTag)
	}
	if st.age < -2*time.Second || st.age > time.Minute {
		t.Errorf("a lock written a moment ago is %v old", st.age)
	}
	gone := newHold(d, newUploadID())
	if _, err := gone.put(ctx, etag, 1); !isConflict(err) && !isNotFound(err) {
		t.Errorf("If-Match on a missing object: %v, want 412 or 404", err)
	}
}

// TestHoldRace: replicas race to resume one upload, round after round;
// exactly one wins each time, the others get ErrUploadBusy.
func TestHoldRace(t *testing.T) {
	cfg := testConfig(t)
	replicas := []*Driver{openDriver(t, cfg, true), openDriver(t, cfg, false), openDriver(t, cfg, false)}
	u, err := replicas[0].Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	closeUpload(t, u)
	const rounds = 4
	for round := range rounds {
		start := make(chan struct{})
		ups := make([]storage.Upload, len(replicas))
		errs := make([]error, len(replicas))
		var wg sync.WaitGroup
		for i, d := range replicas {
			wg.Go(func() {
				<-start
				ups[i], errs[i] = d.Upload(t.Context(), id)
			})
		}
		close(start)
		wg.Wait()
		var winner storage.Upload
		for i, err := range errs {
			switch {
			case err == nil && winner == nil:
				winner = ups[i]
			case err == nil:
				t.Errorf("round %d: replica %d resumed an upload another replica holds", round, i)
				closeUpload(t, ups[i])
			case !errors.Is(err, storage.ErrUploadBusy):
				t.Errorf("round %d: replica %d: %v, want ErrUploadBusy", round, i, err)
			}
		}
		if winner == nil {
			t.Fatalf("round %d: no replica resumed the upload: %v", round, errs)
		}
		writeChunks(t, winner, []byte{byte(round)}, 1)
		closeUpload(t, winner)
	}
	u = resumeOn(t, replicas[2], id, rounds)
	if err := u.Cancel(t.Context()); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
}

// TestHoldRenewed: a session that stays open longer than a lock lives
// keeps its upload, because it renews the lock; then it writes and closes
// as usual, and another replica may resume.
func TestHoldRenewed(t *testing.T) {
	cfg := testConfig(t)
	d1, d2 := quickHolds(openDriver(t, cfg, true)), quickHolds(openDriver(t, cfg, false))
	u, err := d1.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(2 * d1.holdTimes.ttl); time.Now().Before(end); <-tick.C {
		if _, err := d2.Upload(t.Context(), id); !errors.Is(err, storage.ErrUploadBusy) {
			t.Fatalf("resuming an upload whose session renews its lock: %v, want ErrUploadBusy", err)
		}
	}
	writeChunks(t, u, []byte("still mine"), 4)
	closeUpload(t, u)
	u = resumeOn(t, d2, id, int64(len("still mine")))
	if err := u.Cancel(t.Context()); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
}

// TestHoldStaleTakenOver: the lock of a session that stopped renewing it
// (its process crashed) goes stale; another replica takes the upload over,
// and the old session, should it wake up, can no longer write.
func TestHoldStaleTakenOver(t *testing.T) {
	cfg := testConfig(t)
	d1, d2 := quickHolds(openDriver(t, cfg, true)), quickHolds(openDriver(t, cfg, false))
	u, err := d1.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := u.ID()
	writeChunks(t, u, []byte("first"), 5)
	closeUpload(t, u)
	old := resumeOn(t, d1, id, 5)
	old.hold.stop() // the "crash": no more renewals, the lock stays

	next := pollUpload(t, d2, id)
	if next.Size() != 5 {
		t.Errorf("taken over with %d bytes, want 5", next.Size())
	}
	// More than a part, so that Write has to send one.
	if _, err := old.Write(randomBytes(basePartSize + 1)); !errors.Is(err, storage.ErrUploadBusy) {
		t.Errorf("Write of the session whose lock was taken over: %v, want ErrUploadBusy", err)
	}
	if err := old.Close(); !errors.Is(err, storage.ErrUploadBusy) {
		t.Errorf("Close of the session whose lock was taken over: %v, want ErrUploadBusy", err)
	}
	writeChunks(t, next, []byte("-second"), 3)
	closeUpload(t, next)
	u = resumeOn(t, d1, id, int64(len("first-second")))
	if err := u.Commit(t.Context(), "taken"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	t.Cleanup(func() { d1.Delete(context.Background(), "taken") })
	if got := readAll(t, d1, "taken"); string(got) != "first-second" {
		t.Errorf("committed %q, want %q", got, "first-second")
	}
}

// pollUpload resumes upload id on d once its lock is stale, failing t for
// any error but ErrUploadBusy meanwhile.
func pollUpload(t *testing.T, d *Driver, id string) *upload {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); <-tick.C {
		u, err := d.Upload(t.Context(), id)
		if err == nil {
			return u.(*upload)
		}
		if !errors.Is(err, storage.ErrUploadBusy) {
			t.Fatalf("resuming %s: %v, want ErrUploadBusy until its lock is stale", id, err)
		}
	}
	t.Fatalf("the stale lock of %s was never taken over", id)
	return nil
}

// TestHoldLostReplies: a create or a renewal that went through although
// its reply was lost is recognised by the holder it wrote, while another
// session's lock is not taken for one's own.
func TestHoldLostReplies(t *testing.T) {
	d := newTestDriver(t)
	ctx := t.Context()
	h := newHold(d, newUploadID())
	t.Cleanup(func() { d.removeObject(context.Background(), "test", h.id, h.object) })
	if _, err := h.put(ctx, "", 0); err != nil { // the reply that "was lost"
		t.Fatal(err)
	}
	if err := h.take(ctx); err != nil {
		t.Fatalf("taking a lock that holds this session's own holder: %v", err)
	}
	if err := newHold(d, h.id).take(ctx); !errors.Is(err, storage.ErrUploadBusy) {
		t.Fatalf("another session taking a fresh lock: %v, want ErrUploadBusy", err)
	}

	if _, err := h.put(ctx, h.etag, 7); err != nil { // a renewal whose reply "was lost"
		t.Fatal(err)
	}
	if !h.renewOnce(ctx) || h.renewal != 8 || h.check() != nil {
		t.Fatalf("renewing after a lost renewal reply: renewal %d, check %v; want 8, nil", h.renewal, h.check())
	}

	thief := newHold(d, h.id)
	if _, err := thief.put(ctx, h.etag, 0); err != nil {
		t.Fatal(err)
	}
	if h.renewOnce(ctx) {
		t.Fatal("renewing a lock another session took over succeeded")
	}
	if err := h.check(); !errors.Is(err, storage.ErrUploadBusy) {
		t.Errorf("check after losing the lock: %v, want ErrUploadBusy", err)
	}
}

// TestPurgeStaleLock: a new upload whose process crashed leaves only its
// lock; PurgeUploads removes it, and StagedUploads never lists it.
func TestPurgeStaleLock(t *testing.T) {
	d := newTestDriver(t)
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	u.(*upload).hold.stop() // the "crash"
	wantStaged(t, d, u.ID(), "lock")
	for su, err := range d.StagedUploads(t.Context()) {
		t.Errorf("StagedUploads lists %q, %v; want nothing", su.ID, err)
	}
	if n, err := d.PurgeUploads(t.Context(), time.Now().Add(time.Hour)); n != 1 || err != nil {
		t.Errorf("PurgeUploads = %d, %v; want 1, nil", n, err)
	}
	wantStaged(t, d, u.ID())
}
