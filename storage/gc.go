package storage

// Online garbage collection: CollectGarbage deletes what no tag needs while
// pier serves pushes and pulls, from any number of replicas sharing the
// storage. There are no locks, only the driver's atomic Put, Stat, Delete
// and List with read-after-write consistency.
//
// # What is kept
//
// A run marks, in every repository, what its roots reach: the roots are
// the tags (and every manifest, unless Untagged), and a reached manifest
// reaches its config and layers, the manifests an index lists (to any
// depth) and the manifests whose subject it is (referrers, recursively).
// Content under blobs/ is kept while any repository reaches it. Everything
// else is garbage, but is swept only when it is also older than the grace
// period: blobs uploaded for a push that has not sent its manifest yet are
// referenced by nothing, and are protected by their age alone.
//
// # Touch marks
//
// Every action that relies on a digest D being present in repository R
// first rewrites D's reverse link for R (_blobrepos/D/R for blobs,
// _manifestrepos/D/R for manifests), whose modification time is then "R
// relied on D now", and then reads D's tombstones (Store.rely):
//
//   - a blob HEAD that finds D (the client will skip uploading it),
//   - a cross-repository mount and the end of an upload (link and commit),
//   - a manifest push, for the manifest itself and for every config, layer
//     and child manifest it references that R holds.
//
// The freshness of a candidate (R, D) is the newest modification time of
// its keys: the link or record and the reverse link.
//
// # The sweep of one digest D
//
// Collector C took its lease at storage time T0 (the lease record's
// modification time, so that every age below is read on the storage's
// clock); cutoff = T0 - grace. For each garbage digest, in batches:
//
//	S1. C decided, from its scan, that (R, D) is unreachable and not fresher
//	    than cutoff, for the repositories it will remove D from, and, if no
//	    repository reaches or holds D, that the content goes too.
//	S2. C writes its tombstone _gc/tombstones/D/C: pending, naming those
//	    repositories and whether the content goes.
//	S3. C reads again the reverse links, links and records of D, and drops
//	    every repository whose keys are now fresher than cutoff (and keeps
//	    the content if anything of D is fresh or held by a repository it
//	    does not sweep). A referrer is kept when its subject survived.
//	S4. C deletes what is left: link or record, referrer entry, reverse
//	    link, then content; never later than sweepDeadline after S2.
//	S5. C rewrites its tombstone as collected, kept for tombstoneLife.
//
// A pusher P relying on D in R does:
//
//	P1. write the reverse link of (R, D) (touch),
//	P2. read D's tombstones; while one affecting R is pending (and not
//	    older than pendingLife), wait until it is collected,
//	P3. check that what it relies on exists (after a collected tombstone,
//	    check again what it checked before P1).
//
// # Why a push never loses a blob it relies on
//
// Take any collector C and any push P that relies on D in R, and compare
// the order of S3's read and P1's write, which are atomic on the driver:
//
//  1. P1 happens before S3. The touch's time is after T0 (P1 follows the
//     check that made P rely on D, and S3 follows T0; if P1 happened before
//     T0, P is older than the grace period: see below), so S3 sees (R, D)
//     fresher than cutoff, drops R, and keeps the content. C deletes
//     nothing P relies on.
//  2. S3 happens before P1. Then S2 happened before P2 reads, so P2 finds
//     C's tombstone. P waits until C has finished (S5), and P3 sees the
//     result of every deletion C made: a blob HEAD answers 404 and the
//     client uploads the blob again; an upload commits its own copy of the
//     content (the staged data is still there); a mount falls back to an
//     upload; a manifest push fails with MANIFEST_BLOB_UNKNOWN rather than
//     storing a manifest whose blobs are gone. Nothing was lost unseen.
//
// A collector that stops between S2 and S5 leaves a pending tombstone. It
// deletes nothing after sweepDeadline, and P treats a pending tombstone
// older than pendingLife (> sweepDeadline) as collected, so P never waits
// long and never trusts what such a collector may have deleted.
//
// Case 1 needs P1 to be later than cutoff: the time from P's first check
// (a HEAD) to the manifest that uses D must be shorter than the grace
// period. A slower push is still safe as long as tombstones are kept
// (tombstoneLife): its manifest finds D swept and is refused. Uploads in
// flight are protected by the same age rule: their blob is fresher than
// cutoff until the manifest references it.
//
// Several collectors never need to exclude each other for safety: the
// argument above holds for each one alone, each writes its own tombstone
// key, and deletions are idempotent. The lease (gc_lease.go) only keeps
// them from doing the same work twice.

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MinGrace is the shortest grace period accepted: storage clocks may round
// modification times down to the second.
const MinGrace = time.Second

// ErrGCBusy is returned when another collector holds the lease.
var ErrGCBusy = errors.New("another garbage collection is running")

// GCOptions are the choices of one garbage collection.
type GCOptions struct {
	// DryRun reports what would be deleted and deletes nothing.
	DryRun bool
	// Untagged makes manifests that no tag reaches garbage, like
	// `docker image prune -a`; otherwise every manifest is a root.
	Untagged bool
	// Grace protects everything modified or relied on more recently: it
	// must exceed the longest push (from its first blob check to its
	// manifest). At least MinGrace.
	Grace time.Duration
	// Progress, when not nil, hears how far each phase has come; it is
	// called by one goroutine at a time.
	Progress func(GCProgress)
}

// GCProgress is where a collection stands.
type GCProgress struct {
	Phase string // "scan", "tags", "mark", "sweep"
	Done  int
	Total int // -1 while unknown (listing)
}

// GCReport is what a collection deleted, or would delete in a dry run.
type GCReport struct {
	DryRun       bool
	Untagged     bool
	Grace        time.Duration
	Repositories int      // repositories scanned
	ExpiredTags  []string // "repo:tag" removed by retention rules
	Manifests    int      // manifests removed from repositories
	Links        int      // blob links removed from repositories
	Blobs        int      // contents removed from the storage
	BlobBytes    int64    // their size
	Kept         int      // candidates that a push touched during the sweep
	Catalog      int      // empty repositories removed from the catalog
	Uploads      int      // stale upload sessions cancelled
	Tombstones   int      // expired tombstones removed
	Warnings     []string // what was left alone, and why
	Duration     time.Duration
}

// CollectGarbage deletes what no root reaches and is older than o.Grace,
// applies the retention rules, and cancels stale uploads, while the
// registry keeps serving (see the top of this file). It returns ErrGCBusy
// when another collector holds the lease.
func (s *Store) CollectGarbage(ctx context.Context, o GCOptions) (*GCReport, error) {
	if o.Grace < MinGrace {
		return nil, fmt.Errorf("garbage collection: grace period %v is shorter than %v", o.Grace, MinGrace)
	}
	started := time.Now()
	c := &collector{s: s, o: o, report: &GCReport{DryRun: o.DryRun, Untagged: o.Untagged, Grace: o.Grace}}
	if o.DryRun {
		c.now = time.Now()
	} else {
		l, lctx, err := s.acquireLease(ctx)
		if err != nil {
			return nil, err
		}
		defer l.release(ctx)
		ctx, c.lease, c.now = lctx, l, l.acquired
	}
	c.cutoff = c.now.Add(-o.Grace)
	if err := c.run(ctx); err != nil {
		if c.lease != nil && c.lease.lostErr() != nil {
			err = errors.Join(err, c.lease.lostErr())
		}
		return c.report, err
	}
	c.report.Duration = time.Since(started)
	return c.report, nil
}
