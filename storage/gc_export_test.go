package storage

import "time"

// GCTiming are the collection protocol's durations, for tests that cannot
// wait for the production ones.
type GCTiming struct {
	LeaseTTL, LeaseSettle, SweepDeadline, PendingLife, TombstoneLife, StaleUpload time.Duration
}

// SetGCTiming replaces the protocol's durations of s.
func SetGCTiming(s *Store, t GCTiming) {
	s.gcTiming = &gcTiming{leaseTTL: t.LeaseTTL, leaseSettle: t.LeaseSettle, sweepDeadline: t.SweepDeadline,
		pendingLife: t.PendingLife, tombstoneLife: t.TombstoneLife, staleUpload: t.StaleUpload}
}

// FastGCTiming is short enough for tests and keeps the protocol's order:
// sweepDeadline < pendingLife < tombstoneLife.
var FastGCTiming = GCTiming{LeaseTTL: 3 * time.Second, LeaseSettle: 200 * time.Millisecond,
	SweepDeadline: 5 * time.Second, PendingLife: 10 * time.Second, TombstoneLife: time.Hour, StaleUpload: time.Hour}
