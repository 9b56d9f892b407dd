package storage

import "time"

// gcTiming holds the durations of the collection protocol (gc.go). They are
// fixed in production; tests shorten them.
type gcTiming struct {
	// leaseTTL is how long a lease lasts unless renewed; it is renewed
	// every third of it.
	leaseTTL time.Duration
	// leaseSettle is how long a claimant waits between writing its claim
	// and reading it back: longer than any two claimants' writes are apart.
	leaseSettle time.Duration
	// sweepDeadline: a collector deletes nothing of a batch later than
	// this after it started writing the batch's tombstones.
	sweepDeadline time.Duration
	// pendingLife: a pending tombstone older than this belongs to a
	// collector that stopped; longer than sweepDeadline with a margin.
	pendingLife time.Duration
	// tombstoneLife is how long tombstones are kept, so that a manifest
	// pushed late over swept content is refused rather than accepted as
	// sparse.
	tombstoneLife time.Duration
	// staleUpload: upload sessions idle for this long are cancelled.
	staleUpload time.Duration
}

var defaultGCTiming = gcTiming{
	leaseTTL:      time.Minute,
	leaseSettle:   2 * time.Second,
	sweepDeadline: 20 * time.Second,
	pendingLife:   time.Minute,
	tombstoneLife: 24 * time.Hour,
	staleUpload:   24 * time.Hour,
}

// timing returns the protocol's durations for s.
func (s *Store) timing() *gcTiming {
	if s.gcTiming != nil {
		return s.gcTiming
	}
	return &defaultGCTiming
}
