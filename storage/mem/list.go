package mem

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/pier-registry/pier/storage"
)

// List yields the keys that start with prefix and sort after startAfter.
// It holds no lock while yielding, so the caller may write as it goes; each
// step finds its place again by binary search.
func (d *Driver) List(ctx context.Context, prefix, startAfter string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		last := startAfter
		for {
			if err := ctx.Err(); err != nil {
				yield(storage.Info{}, fmt.Errorf("mem: list %q: %w", prefix, err))
				return
			}
			key, v, ok := d.next(prefix, last)
			if !ok || !yield(info(key, v), nil) {
				return
			}
			last = key
		}
	}
}

// next returns the first key that starts with prefix and sorts after last.
func (d *Driver) next(prefix, last string) (string, value, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i := sort.Search(len(d.keys), func(i int) bool {
		return d.keys[i] > last && d.keys[i] >= prefix
	})
	if i == len(d.keys) || !strings.HasPrefix(d.keys[i], prefix) {
		return "", value{}, false
	}
	return d.keys[i], d.values[d.keys[i]], true
}
