package storage

import (
	"context"
	"errors"
)

// touch makes key's modification time now, creating it empty when it is
// absent. Garbage collection's touch marks (gc.go) go through here: on
// every blob HEAD and for every blob a manifest push references, so they
// must be cheap. A Toucher driver only sets the time (on the filesystem, a
// rewrite cost two fsyncs and made a blob HEAD ~3x dearer than
// Distribution's, measured with bench/). A mark needs no durability: one
// lost in a crash is like a push slower than the grace period, which the
// protocol already handles (the manifest push touches again, finds the
// collector's tombstone and refuses). A key that is created is written
// with Put, durably, since it is also the reverse link.
func (s *Store) touch(ctx context.Context, key string) error {
	if t, ok := s.d.(Toucher); ok {
		err := t.Touch(ctx, key)
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
	}
	return s.d.Put(ctx, key, nil)
}
