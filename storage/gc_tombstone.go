package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
)

// Tombstone states.
const (
	tombstonePending   = "pending"   // the collector is checking and deleting
	tombstoneCollected = "collected" // the collector deleted what it names
)

// tombstone is the record at _gc/tombstones/<alg>/<hex>/<holder>: collector
// <holder> is sweeping the digest out of Repos, and out of the storage
// altogether when Content is set. See gc.go for the protocol.
type tombstone struct {
	State   string   `json:"state"`
	Repos   []string `json:"repos,omitempty"`
	Content bool     `json:"content,omitempty"`
}

// affects reports whether the tombstone takes the digest away from
// repository name.
func (t *tombstone) affects(name string) bool {
	return t.Content || slices.Contains(t.Repos, name)
}

// foundTombstone is a tombstone as read, with its key and when it was
// written.
type foundTombstone struct {
	tombstone
	key     string
	written time.Time
}

// tombstones reads every collector's tombstone for d.
func (s *Store) tombstones(ctx context.Context, d digest.Digest) ([]foundTombstone, error) {
	var out []foundTombstone
	for info, err := range s.d.List(ctx, tombstonesPrefixFor(d), "") {
		if err != nil {
			return nil, err
		}
		data, err := s.get(ctx, info.Key)
		if isNotFound(err) {
			continue // pruned while we listed
		}
		if err != nil {
			return nil, err
		}
		t := foundTombstone{key: info.Key, written: info.ModTime}
		if err := json.Unmarshal(data, &t.tombstone); err != nil {
			return nil, fmt.Errorf("tombstone %s: %w", info.Key, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// rely records that repository name relies on digest d from now on, by
// rewriting the reverse link touchKey (_blobrepos or _manifestrepos), and
// then waits out any collector that is sweeping d out of name. swept
// reports that a collector did (or may have) deleted d from name or the
// storage: what the caller checked before rely must be checked again.
//
// The order, touch first and tombstones second, is what gc.go's argument
// rests on. A collector found here may have deleted the touch itself with
// the reverse link it swept, so rely touches again and looks for newer
// collectors, until a pass finds none it has not seen finish.
func (s *Store) rely(ctx context.Context, name string, d digest.Digest, touchKey string) (swept bool, err error) {
	done := map[string]bool{} // tombstones seen collected, or abandoned
	for {
		if err := s.touch(ctx, touchKey); err != nil {
			return false, fmt.Errorf("recording that %s uses %s: %w", name, d, err)
		}
		found, err := s.awaitSweeps(ctx, name, d, touchKey, done)
		if err != nil || !found {
			return swept, err
		}
		swept = true
	}
}

// awaitSweeps waits until every tombstone of d that affects repository
// name and is not in done is collected or abandoned, adds them to done,
// and reports whether there were any. A pending tombstone older than
// pendingLife belongs to a collector that stopped (or passed its deadline)
// and counts as collected. Ages are read on the storage's clock, through
// the modification time of refKey, which the caller has just written.
func (s *Store) awaitSweeps(ctx context.Context, name string, d digest.Digest, refKey string, done map[string]bool) (bool, error) {
	var (
		now     time.Time // storage clock, read once a pending tombstone is seen
		started = time.Now()
		poll    = 5 * time.Millisecond
		found   = false
	)
	for {
		tombs, err := s.tombstones(ctx, d)
		if err != nil {
			return false, err
		}
		waiting := false
		for _, t := range tombs {
			if done[t.key] || !t.affects(name) {
				continue
			}
			if t.State == tombstonePending {
				if now.IsZero() {
					if now, err = s.storageNow(ctx, refKey); err != nil {
						return false, err
					}
				}
				if now.Add(time.Since(started)).Sub(t.written) <= s.timing().pendingLife {
					waiting = true
					continue
				}
			}
			done[t.key], found = true, true
		}
		if !waiting {
			return found, nil
		}
		if err := sleep(ctx, poll); err != nil {
			return false, err
		}
		poll = min(2*poll, 200*time.Millisecond)
	}
}

// storageNow returns the storage's clock as the modification time of key,
// which the caller has just written (and writes again if a collector
// removed it since).
func (s *Store) storageNow(ctx context.Context, key string) (time.Time, error) {
	info, err := s.d.Stat(ctx, key)
	if isNotFound(err) {
		if err = s.d.Put(ctx, key, nil); err == nil {
			info, err = s.d.Stat(ctx, key)
		}
	}
	return info.ModTime, err
}

// sweptRecently reports whether a collector swept d out of repository name
// within the tombstones' lifetime, without waiting or touching anything:
// for references a manifest makes to content the repository lacks.
func (s *Store) sweptRecently(ctx context.Context, name string, d digest.Digest) (bool, error) {
	found, err := s.tombstones(ctx, d)
	if err != nil {
		return false, err
	}
	for _, t := range found {
		if t.affects(name) {
			return true, nil
		}
	}
	return false, nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
