package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pier-registry/pier/storage"
)

// How often a process re-reads the stored keys: after keyRefresh it picks
// up rotations and retirements made by other processes; an unknown kid
// triggers a re-read at most every missRefresh, so that forged kids cannot
// turn into a flood of storage reads.
const (
	keyRefresh  = 30 * time.Second
	missRefresh = time.Second
)

// keyring holds the keys that sign and verify pier's own tokens: every key
// stored under _auth/keys/, plus the configured verification keys.
type keyring struct {
	d      storage.Driver
	log    *slog.Logger
	static map[string]crypto.PublicKey

	mu       sync.Mutex
	stored   map[string]*ecdsa.PrivateKey
	signKID  string
	loaded   time.Time
	lastMiss time.Time
}

// newKeyring makes sure a signing key exists and loads the stored keys.
func newKeyring(ctx context.Context, d storage.Driver, static map[string]crypto.PublicKey, log *slog.Logger) (*keyring, error) {
	if err := ensureSigningKey(ctx, d); err != nil {
		return nil, err
	}
	k := &keyring{d: d, log: log, static: static}
	if err := k.refresh(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// refresh re-reads the stored keys and the signing pointer.
func (k *keyring) refresh(ctx context.Context) error {
	// The pointer first: a key is stored before any pointer names it, so a
	// listing that follows the read includes the key it names.
	cur, err := readValue(ctx, k.d, signingKey)
	if err != nil {
		return err
	}
	recs, err := readKeys(ctx, k.d)
	if err != nil {
		return err
	}
	stored := map[string]*ecdsa.PrivateKey{}
	for _, r := range recs {
		priv, err := r.decode()
		if err != nil {
			// One bad record must not stop the others from working.
			k.log.Error("auth: skipping a stored signing key", "kid", r.KID, "err", err)
			continue
		}
		stored[r.KID] = priv
	}
	if stored[string(cur)] == nil {
		return fmt.Errorf("auth: %s names key %q, which is missing or unreadable", signingKey, cur)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stored, k.signKID, k.loaded = stored, string(cur), time.Now()
	return nil
}

// signer returns the key to sign with, re-reading storage when stale.
func (k *keyring) signer(ctx context.Context) (string, *ecdsa.PrivateKey) {
	k.refreshIfOlder(ctx, keyRefresh)
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.signKID, k.stored[k.signKID]
}

// verifier returns the public key named kid, if it is trusted.
func (k *keyring) verifier(ctx context.Context, kid string) (crypto.PublicKey, bool) {
	if pub, ok := k.static[kid]; ok {
		return pub, true
	}
	k.refreshIfOlder(ctx, keyRefresh)
	if pub, ok := k.lookup(kid); ok {
		return pub, true
	}
	k.mu.Lock()
	retry := time.Since(k.lastMiss) >= missRefresh
	if retry {
		k.lastMiss = time.Now()
	}
	k.mu.Unlock()
	if retry && k.refresh(ctx) == nil {
		return k.lookup(kid)
	}
	return nil, false
}

func (k *keyring) lookup(kid string) (crypto.PublicKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if priv, ok := k.stored[kid]; ok {
		return &priv.PublicKey, true
	}
	return nil, false
}

// refreshIfOlder re-reads storage when the keys are older than age. On a
// storage failure it keeps the keys it has: they were valid a moment ago.
func (k *keyring) refreshIfOlder(ctx context.Context, age time.Duration) {
	k.mu.Lock()
	stale := time.Since(k.loaded) >= age
	if stale {
		// Claim this refresh, so that concurrent requests do not all
		// read storage at the same moment.
		k.loaded = time.Now()
	}
	k.mu.Unlock()
	if !stale {
		return
	}
	if err := k.refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
		k.log.Warn("auth: could not re-read signing keys; using the ones loaded", "err", err)
	}
}
