package storage

import (
	"sync"

	"github.com/opencontainers/go-digest"
)

// Bounds of the content cache: a few thousand typical manifests, and
// never one near MaxManifestSize, so that it adds little to pier's memory.
const (
	contentCacheBytes   = 8 << 20
	contentCacheItemMax = 256 << 10
)

// contentCache keeps small content by digest in memory. Content addressed
// by digest never changes, so a cached copy is always right; whether the
// content is still in a repository is for the caller to check through
// the keys that do change. It saves a manifest GET one of its three reads
// (measured with bench/). The zero value is ready to use.
type contentCache struct {
	mu    sync.Mutex
	items map[digest.Digest][]byte
	bytes int
}

// get returns the content of d, if cached. It must not be modified.
func (c *contentCache) get(d digest.Digest) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.items[d]
	return data, ok
}

// add caches data, the content of d, when it is small enough.
func (c *contentCache) add(d digest.Digest, data []byte) {
	if len(data) > contentCacheItemMax {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[d]; ok {
		return
	}
	if c.items == nil || c.bytes+len(data) > contentCacheBytes {
		// Starting over is simpler than eviction, and refilling costs
		// one read per manifest still asked for.
		c.items, c.bytes = map[digest.Digest][]byte{}, 0
	}
	c.items[d] = data
	c.bytes += len(data)
}
