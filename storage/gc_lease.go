package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// errLeaseLost cancels a collection whose lease another collector took or
// that could not be renewed in time.
var errLeaseLost = errors.New("garbage collection lease lost")

// leaseRecord is the record at _gc/lease.
type leaseRecord struct {
	Holder  string    `json:"holder"` // random id of one collection
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Expires time.Time `json:"expires"` // on the holder's clock
}

// lease is a held claim on _gc/lease, renewed in the background until
// release.
//
// Without compare-and-swap, a claim is made by writing it, waiting
// leaseSettle, and reading it back: of claimants that all read the lease
// free, the last writer is the one every claimant reads back, provided
// their writes are less than leaseSettle apart, which each checks of
// itself (read to write within half of it). A claimant slower than that,
// or a holder paused past its expiry, may overlap with another collector
// for a while: each renewal reads the record first and stops the
// collection when someone else holds it. Overlap costs duplicate work,
// never data (gc.go).
type lease struct {
	s        *Store
	rec      leaseRecord
	acquired time.Time // the claim's modification time: the storage's clock
	cancel   context.CancelCauseFunc
	stop     chan struct{}
	stopped  chan struct{}

	mu   sync.Mutex
	lost error
}

// acquireLease claims the lease and returns it with a context that is
// cancelled when the lease is lost. ErrGCBusy when someone else holds it.
func (s *Store) acquireLease(ctx context.Context) (*lease, context.Context, error) {
	t := s.timing()
	readAt := time.Now()
	if err := s.leaseFree(ctx); err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	rec := leaseRecord{Holder: rand.Text(), Host: host, PID: os.Getpid(), Expires: time.Now().Add(t.leaseTTL)}
	if err := s.putLease(ctx, rec); err != nil {
		return nil, nil, err
	}
	if time.Since(readAt) > t.leaseSettle/2 {
		// The claim is withdrawn, or it would hold every collector off
		// for a whole leaseTTL on behalf of a collection that never runs.
		s.dropClaim(ctx, rec.Holder)
		return nil, nil, fmt.Errorf("%w: claiming the lease took longer than %v; try again", ErrGCBusy, t.leaseSettle/2)
	}
	if err := sleep(ctx, t.leaseSettle); err != nil {
		s.dropClaim(ctx, rec.Holder)
		return nil, nil, err
	}
	cur, info, err := s.readLease(ctx)
	if err != nil {
		return nil, nil, err
	}
	if cur == nil || cur.Holder != rec.Holder {
		return nil, nil, leaseBusy(cur)
	}
	lctx, cancel := context.WithCancelCause(ctx)
	l := &lease{s: s, rec: rec, acquired: info.ModTime, cancel: cancel,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go l.renew(lctx)
	return l, lctx, nil
}

// leaseFree returns ErrGCBusy when a lease that has not expired exists.
func (s *Store) leaseFree(ctx context.Context) error {
	cur, _, err := s.readLease(ctx)
	if err != nil {
		return err
	}
	if cur != nil && time.Now().Before(cur.Expires) {
		return leaseBusy(cur)
	}
	return nil
}

func leaseBusy(cur *leaseRecord) error {
	if cur == nil {
		return fmt.Errorf("%w: the lease was released while claiming it; try again", ErrGCBusy)
	}
	return fmt.Errorf("%w: held by %s (pid %d) until %s", ErrGCBusy, cur.Host, cur.PID, cur.Expires.Format(time.RFC3339))
}

// readLease returns the lease record, or nil when there is none.
func (s *Store) readLease(ctx context.Context) (*leaseRecord, Info, error) {
	r, info, err := s.d.Open(ctx, gcLeaseKey)
	if isNotFound(err) {
		return nil, Info{}, nil
	}
	if err != nil {
		return nil, Info{}, err
	}
	defer r.Close()
	var rec leaseRecord
	if err := json.NewDecoder(r).Decode(&rec); err != nil {
		return nil, Info{}, fmt.Errorf("lease record %s: %w", gcLeaseKey, err)
	}
	return &rec, info, nil
}

func (s *Store) putLease(ctx context.Context, rec leaseRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.d.Put(ctx, gcLeaseKey, data)
}

// renew extends the lease every third of its lifetime. When someone else
// holds it, or it could not be renewed before it would expire, it cancels
// the collection.
func (l *lease) renew(ctx context.Context) {
	defer close(l.stopped)
	ttl := l.s.timing().leaseTTL
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	renewed := time.Now()
	for {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		err := l.extend(ctx, ttl)
		if err == nil {
			renewed = time.Now()
			continue
		}
		if errors.Is(err, errLeaseLost) || time.Since(renewed) > ttl*2/3 {
			l.fail(err)
			return
		}
	}
}

// extend writes a later expiry, if the lease is still ours.
func (l *lease) extend(ctx context.Context, ttl time.Duration) error {
	cur, _, err := l.s.readLease(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.Holder != l.rec.Holder {
		return fmt.Errorf("%w: %w", errLeaseLost, leaseBusy(cur))
	}
	rec := l.rec
	rec.Expires = time.Now().Add(ttl)
	return l.s.putLease(ctx, rec)
}

func (l *lease) fail(err error) {
	l.mu.Lock()
	l.lost = err
	l.mu.Unlock()
	l.cancel(err)
}

// lostErr is why the lease was lost, or nil.
func (l *lease) lostErr() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// release stops renewing and removes the record if it is still ours.
func (l *lease) release(ctx context.Context) {
	close(l.stop)
	<-l.stopped
	l.cancel(nil)
	l.s.dropClaim(ctx, l.rec.Holder)
}

// dropClaim removes the lease record if holder still holds it, even when
// ctx is cancelled: the next collector need not wait for it to expire.
func (s *Store) dropClaim(ctx context.Context, holder string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if cur, _, err := s.readLease(ctx); err == nil && cur != nil && cur.Holder == holder {
		_ = s.d.Delete(ctx, gcLeaseKey)
	}
}
