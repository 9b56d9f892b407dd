package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestForgedTokensRefused: every forged or misused bearer token is a 401
// invalid_token, never a pass.
func TestForgedTokensRefused(t *testing.T) {
	f := newFixture(t, Config{})
	kid, key := f.signingKey(t)
	alicePull := goodClaims("alice", pull("alice/app"))
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)

	shift := func(mod func(*claims)) claims {
		c := goodClaims("alice", pull("alice/app"))
		mod(&c)
		return c
	}
	cases := map[string]string{
		"alg none": unsignedToken(t, kid, alicePull),
		// The classic confusion: HMAC keyed with the verifier's public key.
		"HS256 signed with the public key": sign(t, jwt.SigningMethodHS256, pubDER, kid, alicePull),
		"unknown kid":                      sign(t, jwt.SigningMethodES256, key, "no-such-key", alicePull),
		"no kid":                           sign(t, jwt.SigningMethodES256, key, "", alicePull),
		"signed by another key":            sign(t, jwt.SigningMethodES256, other, kid, alicePull),
		"tampered payload":                 tamper(t, sign(t, jwt.SigningMethodES256, key, kid, alicePull)),
		"expired": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		})),
		"not yet valid": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) {
			c.NotBefore = jwt.NewNumericDate(time.Now().Add(time.Hour))
		})),
		"issued in the future": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) {
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(time.Hour))
		})),
		"no expiry": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) { c.ExpiresAt = nil })),
		"wrong audience": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) {
			c.Audience = jwt.ClaimStrings{"other-registry"}
		})),
		"wrong issuer": sign(t, jwt.SigningMethodES256, key, kid, shift(func(c *claims) { c.Issuer = "evil" })),
		"garbage":      "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull))
			wantChallenge(t, err, "invalid_token")
		})
	}
	// The same claims, properly signed, pass: the cases above fail for
	// the reason they name.
	if _, err := f.s.Authorize(bearer(sign(t, jwt.SigningMethodES256, key, kid, alicePull)), repo("alice/app", ActionPull)); err != nil {
		t.Fatalf("well-formed token refused: %v", err)
	}
}

// unsignedToken builds an alg:none JWT by hand.
func unsignedToken(t *testing.T, kid string, cl claims) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
	p, _ := json.Marshal(cl)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(p) + "."
}

// tamper replaces the payload of a signed token with one granting push.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	cl := goodClaims("alice", resourceActions{Type: "repository", Name: "alice/app", Actions: []string{"pull", "push"}})
	p, _ := json.Marshal(cl)
	parts[1] = base64.RawURLEncoding.EncodeToString(p)
	return strings.Join(parts, ".")
}

// TestTokenForOneRepositoryOnAnother: a token for alice/app does not open
// bob/app, and alice cannot push into bob's namespace by any route.
func TestTokenForOneRepositoryOnAnother(t *testing.T) {
	f := newFixture(t, Config{})
	tr := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull,push")
	if _, err := f.s.Authorize(bearer(tr.Token), repo("alice/app", ActionPull, ActionPush)); err != nil {
		t.Fatalf("own repository: %v", err)
	}
	_, err := f.s.Authorize(bearer(tr.Token), repo("bob/app", ActionPull))
	if !errors.Is(err, ErrDenied) {
		t.Fatalf("alice's token on bob/app: got %v, want ErrDenied", err)
	}
	// Asking the token server for push on bob/app grants nothing.
	tr = f.mustToken(t, "alice", alicePW, "repository:bob/app:pull,push,delete")
	if tr.Scope != "" {
		t.Fatalf("alice was granted %q on bob/app", tr.Scope)
	}
	if _, err := f.s.Authorize(bearer(tr.Token), repo("bob/app", ActionPush)); !errors.Is(err, ErrDenied) {
		t.Fatalf("push into bob/app with a token: got %v, want ErrDenied", err)
	}
	if _, err := f.s.Authorize(basic("alice", alicePW), repo("bob/app", ActionPull, ActionPush)); !errors.Is(err, ErrDenied) {
		t.Fatalf("push into bob/app with Basic: got %v, want ErrDenied", err)
	}
}

// TestMalformedScopesRefused: the token server refuses scope strings with
// extra colons, "..", upper case and other malformations with a 400.
func TestMalformedScopesRefused(t *testing.T) {
	f := newFixture(t, Config{})
	for _, scope := range []string{
		"repository:alice/app:extra:pull",
		"repository:alice/../bob/app:pull",
		"repository:alice/..:pull",
		"repository:Alice/App:pull",
		"repository:alice/app:PULL",
		"repository:alice//app:pull",
		"repository:/alice/app:pull",
		"repository::pull",
		"repository:alice/app",
		"Repository:alice/app:pull",
		"registry:catalog:pull",
		"registry:users:*",
		"image:alice/app:pull",
	} {
		t.Run(scope, func(t *testing.T) {
			resp, _ := f.tokenGET(t, "alice", alicePW, url.Values{"scope": {scope}})
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
		})
	}
}

// TestRefreshAfterRemoval: a refresh token stops working when its user is
// removed or it is revoked, and so do bearer tokens bought with it.
func TestRefreshAfterRemoval(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"user removed", "token revoked", "password changed"} {
		t.Run(how, func(t *testing.T) {
			f := newFixture(t, Config{})
			resp, tr := f.tokenGET(t, "alice", alicePW, url.Values{"offline_token": {"true"}, "scope": {"repository:alice/app:pull"}})
			if resp.StatusCode != http.StatusOK || tr.RefreshToken == "" {
				t.Fatalf("status %d, refresh token %q", resp.StatusCode, tr.RefreshToken)
			}
			resp, fromRefresh := f.tokenPOST(t, refreshForm(tr.RefreshToken, "repository:alice/app:pull"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("refresh before %s: status %d", how, resp.StatusCode)
			}
			switch how {
			case "user removed":
				err := f.s.users.Remove(ctx, "alice")
				if err != nil {
					t.Fatal(err)
				}
			case "token revoked":
				id, _ := secretID(tr.RefreshToken)
				if err := f.s.tokens.Revoke(ctx, id); err != nil {
					t.Fatal(err)
				}
			case "password changed":
				if err := f.s.users.SetPassword(ctx, "alice", "a-new-password"); err != nil {
					t.Fatal(err)
				}
			}
			if resp, _ := f.tokenPOST(t, refreshForm(tr.RefreshToken, "repository:alice/app:pull")); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("refresh after %s: status %d, want 400", how, resp.StatusCode)
			}
			_, err := f.s.Authorize(bearer(fromRefresh.Token), repo("alice/app", ActionPull))
			wantChallenge(t, err, "invalid_token")
		})
	}
}

func refreshForm(refresh string, scope string) url.Values {
	return url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"service": {"pier"}, "client_id": {"test"}, "scope": {scope},
	}
}

// TestRetiredKeyRefused: after a rotation, tokens of the old key keep
// working until the key is retired, and are refused from then on.
func TestRetiredKeyRefused(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	oldKID, _ := f.signingKey(t)
	old := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull")

	newKID, err := f.s.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull")
	if kidOf(t, fresh.Token) != newKID || kidOf(t, old.Token) != oldKID {
		t.Fatal("tokens are not signed by the keys expected")
	}
	for _, tok := range []string{old.Token, fresh.Token} {
		if _, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull)); err != nil {
			t.Fatalf("before retiring: %v", err)
		}
	}
	if err := f.s.RetireKey(ctx, newKID); err == nil {
		t.Fatal("retired the key that signs new tokens")
	}
	if err := f.s.RetireKey(ctx, oldKID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Authorize(bearer(old.Token), repo("alice/app", ActionPull))
	wantChallenge(t, err, "invalid_token")
	if _, err := f.s.Authorize(bearer(fresh.Token), repo("alice/app", ActionPull)); err != nil {
		t.Fatalf("new key after retiring the old: %v", err)
	}
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &claims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}
