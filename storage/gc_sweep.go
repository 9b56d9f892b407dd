package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
)

// sweepBatchSize is how many units share one round of tombstones, checks
// and deletions.
const sweepBatchSize = 128

// errSweepDeadline stops the deletions of a unit whose batch ran past
// sweepDeadline (gc.go: S4).
var errSweepDeadline = errors.New("sweep deadline passed")

// sweep removes the units, batch by batch, a referrer's batch after its
// subject's. In a dry run it only counts them.
func (c *collector) sweep(ctx context.Context, units []*sweepUnit) error {
	if c.o.DryRun {
		for _, u := range units {
			c.account(u)
		}
		c.progress("sweep", len(units), len(units))
		return nil
	}
	for start := 0; start < len(units); {
		end := start + 1
		for end < len(units) && end-start < sweepBatchSize && units[end].depth == units[start].depth {
			end++
		}
		if err := c.sweepBatch(ctx, units[start:end]); err != nil {
			return fmt.Errorf("garbage collection: sweeping: %w", err)
		}
		c.progress("sweep", end, len(units))
		start = end
	}
	return nil
}

// sweepBatch runs steps S2 to S5 of gc.go for a batch of units.
func (c *collector) sweepBatch(ctx context.Context, batch []*sweepUnit) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	deadline := time.Now().Add(c.s.timing().sweepDeadline)
	started := make([]bool, len(batch)) // deletions began: the tombstone stays
	idx := make([]int, len(batch))
	for i := range idx {
		idx[i] = i
	}
	err := forEach(ctx, batch, func(ctx context.Context, u *sweepUnit) error {
		return c.putTombstone(ctx, u, tombstonePending)
	})
	if err == nil {
		err = forEach(ctx, batch, c.recheck)
	}
	var late counter
	if err == nil {
		err = forEach(ctx, idx, func(ctx context.Context, i int) error {
			u := batch[i]
			if len(u.parts) == 0 && !u.content {
				return nil // all kept: the tombstone goes below
			}
			if time.Now().After(deadline) {
				late.add()
				return nil // nothing deleted: the tombstone goes below
			}
			started[i] = true // each goroutine writes its own element
			return c.removeUnit(ctx, u, deadline, &late)
		})
	}
	if n := late.n.Load(); n > 0 {
		c.warn(fmt.Sprintf("%d digests were left for the next run: the sweep passed its %v deadline", n, c.s.timing().sweepDeadline))
	}
	// Tombstones of units whose deletions never began only make pushers
	// wait: remove them, even when the run is failing.
	cleanup := context.WithoutCancel(ctx)
	for i, u := range batch {
		if !started[i] {
			err = errors.Join(err, c.s.d.Delete(cleanup, tombstoneKey(u.d, c.lease.rec.Holder)))
		}
	}
	return err
}

// removeUnit deletes what is left of u after the re-check (S4) and marks
// its tombstone collected (S5). Past the deadline it stops, leaving the
// tombstone pending: pushers then treat u as swept.
func (c *collector) removeUnit(ctx context.Context, u *sweepUnit, deadline time.Time, late *counter) error {
	err := c.remove(ctx, u, deadline)
	if errors.Is(err, errSweepDeadline) {
		late.add()
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.putTombstone(ctx, u, tombstoneCollected); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.account(u)
	return nil
}

// putTombstone writes this collector's tombstone for u.
func (c *collector) putTombstone(ctx context.Context, u *sweepUnit, state string) error {
	t := tombstone{State: state, Content: u.content}
	for _, p := range u.parts {
		if !slices.Contains(t.Repos, p.repo) {
			t.Repos = append(t.Repos, p.repo)
		}
	}
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return c.s.d.Put(ctx, tombstoneKey(u.d, c.lease.rec.Holder), data)
}

// recheck is S3: after the tombstone, it reads again every key that could
// show a repository relying on u's digest, and drops what it finds fresh.
func (c *collector) recheck(ctx context.Context, u *sweepUnit) error {
	type hold struct {
		repo string
		kind partKind
	}
	swept := map[hold]bool{}
	for _, p := range u.parts {
		swept[hold{p.repo, p.kind}] = true
	}
	keep := map[hold]bool{}
	others := false // a repository this unit does not sweep holds the digest
	for _, f := range []struct {
		prefix string
		kind   partKind
	}{{blobReposPrefixFor(u.d), partLink}, {manifestReposPrefixFor(u.d), partManifest}} {
		for info, err := range c.s.d.List(ctx, f.prefix, "") {
			if err != nil {
				return err
			}
			h := hold{trimmed(info.Key, f.prefix), f.kind}
			if !swept[h] {
				others = true
			} else if c.fresh(info.ModTime) {
				keep[h] = true
			}
		}
	}
	for _, p := range u.parts {
		h := hold{p.repo, p.kind}
		if alive, err := c.stillHeld(ctx, u.d, p); err != nil {
			return err
		} else if alive {
			keep[h] = true
		}
	}
	kept := slices.DeleteFunc(u.parts, func(p sweepPart) bool { return keep[hold{p.repo, p.kind}] })
	if len(kept) < len(swept) || others {
		c.countKept(len(swept) - len(kept))
		u.content = false
	}
	u.parts = kept
	if u.content {
		info, err := c.s.d.Stat(ctx, blobKey(u.d))
		if err != nil && !isNotFound(err) {
			return err
		}
		u.content = err == nil && !c.fresh(info.ModTime)
	}
	return nil
}

// stillHeld reports whether part p of digest d must stay after all: its
// link or record is fresh, or it is a referrer whose subject survived.
func (c *collector) stillHeld(ctx context.Context, d digest.Digest, p sweepPart) (bool, error) {
	key := blobLinkKey(p.repo, d)
	if p.kind == partManifest {
		key = manifestKey(p.repo, d)
	}
	info, err := c.s.d.Stat(ctx, key)
	if err != nil && !isNotFound(err) {
		return false, err
	}
	if err == nil && c.fresh(info.ModTime) {
		return true, nil
	}
	if p.kind != partManifest || p.subject == "" {
		return false, nil
	}
	_, err = c.s.d.Stat(ctx, manifestKey(p.repo, p.subject))
	if err != nil && !isNotFound(err) {
		return false, err
	}
	return err == nil, nil
}

// remove deletes u's parts, then its content, in the reverse of the order
// they are written (pointers first), checking the deadline before each.
func (c *collector) remove(ctx context.Context, u *sweepUnit, deadline time.Time) error {
	var keys []string
	for _, p := range u.parts {
		if p.kind == partLink {
			keys = append(keys, blobLinkKey(p.repo, u.d), blobRepoKey(u.d, p.repo))
			continue
		}
		if p.subject != "" {
			keys = append(keys, referrerKey(p.repo, p.subject, u.d))
		}
		keys = append(keys, manifestKey(p.repo, u.d), manifestRepoKey(u.d, p.repo))
	}
	if u.content {
		keys = append(keys, blobKey(u.d))
	}
	for _, key := range keys {
		if time.Now().After(deadline) {
			return errSweepDeadline
		}
		if err := c.s.d.Delete(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// fresh reports whether a modification time is within the grace period.
func (c *collector) fresh(t time.Time) bool { return !t.Before(c.cutoff) }

func (c *collector) countKept(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.report.Kept += n
}

// account adds u to the report; callers hold c.mu or run alone.
func (c *collector) account(u *sweepUnit) {
	for _, p := range u.parts {
		if p.kind == partLink {
			c.report.Links++
		} else {
			c.report.Manifests++
		}
	}
	if u.content {
		c.report.Blobs++
		c.report.BlobBytes += u.size
	}
}
