package fs

import (
	"sync"
	"time"
)

// Bounds of the directory cache.
const (
	// dirQuiet is how long a directory must have gone unchanged before its
	// entries are cached. Any later change then gives the directory a newer
	// modification time, even on file systems whose clock ticks every few
	// milliseconds, so a cached listing is never served after a change,
	// whichever process made it.
	dirQuiet = time.Second
	// dirCacheEntries bounds the entries cached over all directories.
	dirCacheEntries = 1 << 15
)

// dirCache keeps the sorted entries of quiet directories, checked against
// the directory's modification time on every use. Paging through 2,000
// tags 100 at a time read and sorted the whole directory for every page;
// with the cache a page costs a stat, a binary search and the entries it
// returns (measured with bench/).
type dirCache struct {
	mu      sync.Mutex
	dirs    map[string]dirSnapshot
	entries int
}

// dirSnapshot is what a directory held when it had modification time mtime.
type dirSnapshot struct {
	mtime   time.Time
	entries []entry
}

// get returns the entries of dir cached when it had modification time
// mtime. They are shared: callers must not modify them.
func (c *dirCache) get(dir string, mtime time.Time) ([]entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.dirs[dir]
	if !ok || !s.mtime.Equal(mtime) {
		return nil, false
	}
	return s.entries, true
}

// put caches the entries of dir, read when it had modification time mtime,
// if the directory was quiet then.
func (c *dirCache) put(dir string, mtime, readAt time.Time, entries []entry) {
	if readAt.Sub(mtime) < dirQuiet || len(entries) > dirCacheEntries {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.dirs[dir]; ok {
		c.entries -= len(old.entries)
	}
	if c.dirs == nil || c.entries+len(entries) > dirCacheEntries {
		// Starting over is simpler than eviction; a directory costs one
		// read to come back.
		c.dirs, c.entries = map[string]dirSnapshot{}, 0
	}
	c.dirs[dir] = dirSnapshot{mtime: mtime, entries: entries}
	c.entries += len(entries)
}
