package auth

import (
	"context"
	"crypto"
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCacheSize bounds the verified-token cache: one entry per live
// token, a few hundred bytes each.
const verifiedCacheSize = 1024

// verifiedCache remembers bearer tokens whose signature and claims passed
// verify, until they expire. Clients send the same token with every
// request of a pull or push, and checking its ECDSA signature each time
// was more than half of the CPU a small request cost (measured with the
// bench: ~90 µs of ~170 µs for a manifest GET). A hit still looks the
// signing key up again and still runs the revocation checks, so retiring a
// key, removing a user or revoking a stored token acts at once, as before.
type verifiedCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]verifiedToken
}

// verifiedToken is what verify learnt from a token.
type verifiedToken struct {
	cl  claims
	kid string
	key crypto.PublicKey // the key the signature was checked with
}

func verifiedKey(raw string) [sha256.Size]byte { return sha256.Sum256([]byte(raw)) }

// get returns the claims of raw when it was verified and has not expired.
func (c *verifiedCache) get(k [sha256.Size]byte, now time.Time) (verifiedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[k]
	if !ok || v.cl.ExpiresAt == nil || !now.Before(v.cl.ExpiresAt.Time) {
		return verifiedToken{}, false
	}
	return v, true
}

func (c *verifiedCache) add(k [sha256.Size]byte, v verifiedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= verifiedCacheSize {
		// Starting over is simpler than eviction, and costs one
		// verification per live token.
		c.entries = map[[sha256.Size]byte]verifiedToken{}
	}
	c.entries[k] = v
}

// stillTrusted reports whether the key that verified v is still the one
// its issuer and kid name, so that a cache hit means what a verification
// would have found.
func (s *Service) stillTrusted(ctx context.Context, v verifiedToken) bool {
	var key crypto.PublicKey
	var ok bool
	if v.cl.Issuer == s.cfg.Issuer {
		key, ok = s.keys.verifier(ctx, v.kid)
	} else if is := s.issuers[v.cl.Issuer]; is != nil {
		key, ok = is.key(v.kid)
	}
	eq, canCompare := key.(interface{ Equal(crypto.PublicKey) bool })
	return ok && canCompare && eq.Equal(v.key)
}
