package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifiedTokenCache: a token is verified once and then served from
// the cache, which still refuses what verification would refuse.
func TestVerifiedTokenCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	tok := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull").Token
	for range 2 {
		if _, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull)); err != nil {
			t.Fatalf("valid token: %v", err)
		}
	}
	if _, ok := f.s.verified.get(verifiedKey(tok), time.Now()); !ok {
		t.Fatal("a verified token is not cached")
	}
	// A token that differs from a cached one in its signature alone is
	// not a hit.
	forged := tok[:len(tok)-2] + "AA"
	if forged == tok {
		forged = tok[:len(tok)-2] + "BB"
	}
	_, err := f.s.Authorize(bearer(forged), repo("alice/app", ActionPull))
	wantChallenge(t, err, "invalid_token")
	// A cached token still carries only its own scope.
	if _, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPush)); err == nil {
		t.Fatal("a cached pull token was allowed to push")
	}
	// Removing the user stops a cached token at once.
	if err := f.s.users.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Authorize(bearer(tok), repo("alice/app", ActionPull))
	wantChallenge(t, err, "invalid_token")
}

// TestVerifiedTokenCacheKeyChange: a cache hit is refused when the kid
// now names another key, as a fresh verification would be.
func TestVerifiedTokenCacheKeyChange(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	tok := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull").Token
	if _, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull)); err != nil {
		t.Fatal(err)
	}
	v, ok := f.s.verified.get(verifiedKey(tok), time.Now())
	if !ok || !f.s.stillTrusted(ctx, v) {
		t.Fatal("the cached token's key is not trusted")
	}
	other := v
	other.kid = "no-such-key"
	if f.s.stillTrusted(ctx, other) {
		t.Fatal("an unknown kid is trusted")
	}
	newKID, err := f.s.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other.kid = newKID
	if f.s.stillTrusted(ctx, other) {
		t.Fatal("a key other than the one that verified the token is trusted")
	}
}

func TestVerifiedCacheExpiryAndBound(t *testing.T) {
	var c verifiedCache
	now := time.Now()
	v := verifiedToken{cl: goodClaims("alice")}
	v.cl.ExpiresAt = jwt.NewNumericDate(now.Add(time.Minute))
	c.add(verifiedKey("a"), v)
	if _, ok := c.get(verifiedKey("a"), now); !ok {
		t.Fatal("live entry missed")
	}
	if _, ok := c.get(verifiedKey("a"), now.Add(2*time.Minute)); ok {
		t.Fatal("expired entry served")
	}
	if _, ok := c.get(verifiedKey("b"), now); ok {
		t.Fatal("unknown token served")
	}
	for i := range 3 * verifiedCacheSize {
		c.add(verifiedKey(fmt.Sprint(i)), v)
	}
	if n := len(c.entries); n > verifiedCacheSize {
		t.Fatalf("%d entries, bound %d", n, verifiedCacheSize)
	}
}
