package s3

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pier-registry/pier/storage"
)

// holdTimes say how long a lock object holds an upload.
type holdTimes struct {
	// ttl: a lock not rewritten for this long, by S3's clock, is stale and
	// another session may take it over.
	ttl time.Duration
	// renew: how often a session rewrites its lock while it is open.
	renew time.Duration
	// margin: a session stops writing this long before its lock could be
	// found stale, for the one-second resolution of Last-Modified and Date,
	// a request already in flight and a pause of the process.
	margin time.Duration
}

// defaultHoldTimes: a crashed process blocks its upload for at most two
// minutes (a client whose request failed mostly starts a new upload
// anyway), while a live session, renewing every 20 seconds, loses its hold
// only after 90 seconds without reaching S3, when its writes fail as well.
// A PATCH of any length keeps its hold: renewal runs beside the writes.
var defaultHoldTimes = holdTimes{ttl: 2 * time.Minute, renew: 20 * time.Second, margin: 30 * time.Second}

// hold is a session's claim on an upload: the object !staging/<id>/lock,
// created with a conditional write (If-None-Match: *) so that only one
// session at a time can have it, and renewed with If-Match on its ETag so
// that a session whose lock was taken over finds out.
type hold struct {
	d      *Driver
	id     string
	object string
	holder string // random: tells this session's lock from another's
	times  holdTimes

	mu      sync.Mutex
	etag    string    // of the lock as this session last wrote it
	renewal int       // how often it was renewed
	until   time.Time // the session may write until then
	lost    bool      // another session has the lock now

	cancel  context.CancelFunc // stops keep
	done    chan struct{}      // closed when keep returns
	stopped bool
}

// acquire takes upload id for one session and keeps the hold renewed until
// release (or ctx ends). ErrUploadBusy if another session has it.
func (d *Driver) acquire(ctx context.Context, id string) (*hold, error) {
	h := &hold{d: d, id: id, object: d.stagingObject(id, "lock"), holder: newUploadID(), times: d.holdTimes}
	if err := h.take(ctx); err != nil {
		return nil, err
	}
	kctx, cancel := context.WithCancel(ctx)
	h.cancel, h.done = cancel, make(chan struct{})
	go h.keep(kctx)
	return h, nil
}

// check returns ErrUploadBusy once the session may no longer count on its
// hold: it was taken over, or not renewed in time.
func (h *hold) check() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost || !time.Now().Before(h.until) {
		return fmt.Errorf("s3: upload %s: this session's hold lapsed: %w", h.id, storage.ErrUploadBusy)
	}
	return nil
}

// stop ends the renewals (one in flight is abandoned) and waits for them.
func (h *hold) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.cancel()
	<-h.done
}

// release stops the renewals and removes the lock, unless the hold lapsed:
// then the lock may be another session's.
func (h *hold) release(ctx context.Context) error {
	h.stop()
	if h.check() != nil {
		return nil
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	return h.d.removeObject(cctx, "releasing upload", h.id, h.object)
}

// keep renews the lock every times.renew until ctx ends or the lock is lost.
func (h *hold) keep(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.times.renew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if !h.renewOnce(ctx) {
				return
			}
		}
	}
}

// renewOnce rewrites the lock and reports whether it is still this
// session's. When S3 does not answer, the next tick tries again and check
// ends the session's writes once until passes.
func (h *hold) renewOnce(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, h.times.renew)
	defer cancel()
	for range 2 {
		h.mu.Lock()
		etag, n := h.etag, h.renewal+1
		h.mu.Unlock()
		start := time.Now()
		newTag, err := h.put(ctx, etag, n)
		if err == nil {
			h.mu.Lock()
			h.etag, h.renewal, h.until = newTag, n, start.Add(h.times.ttl-h.times.margin)
			h.mu.Unlock()
			return true
		}
		if !isConflict(err) && !isNotFound(err) {
			return true
		}
		// Our ETag no longer matches. Either an earlier renewal went
		// through although its reply was lost (then adopt it and go on),
		// or the lock is gone or another session's.
		cur, err := h.read(ctx)
		if err != nil && !isNotFoundErr(err) {
			return true
		}
		if err != nil || cur.Holder != h.holder {
			h.mu.Lock()
			h.lost = true
			h.mu.Unlock()
			return false
		}
		h.mu.Lock()
		h.etag, h.renewal = cur.etag, cur.Renewal
		h.mu.Unlock()
	}
	return true
}
