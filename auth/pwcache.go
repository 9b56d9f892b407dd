package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Bounds of the password cache.
const (
	pwCacheTTL  = 5 * time.Minute
	pwCacheSize = 4096
)

// passwordCache remembers recent successful password checks, because
// clients that send Basic credentials on every request (crane, the
// conformance suite) would otherwise pay a bcrypt comparison each time.
// Entries are keyed by the stored hash too, so a changed password or a
// removed user misses the cache at once, in every process.
type passwordCache struct {
	mu      sync.Mutex
	entries map[[32]byte]time.Time
}

func cacheKey(name, hash, password string) [32]byte {
	return sha256.Sum256([]byte(name + "\x00" + hash + "\x00" + password))
}

func (c *passwordCache) hit(name, hash, password string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.entries[cacheKey(name, hash, password)]
	return ok && time.Now().Before(exp)
}

func (c *passwordCache) add(name, hash, password string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= pwCacheSize {
		// Starting over is simpler than eviction and costs only a few
		// bcrypt comparisons.
		c.entries = map[[32]byte]time.Time{}
	}
	c.entries[cacheKey(name, hash, password)] = time.Now().Add(pwCacheTTL)
}
