package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pier-registry/pier/storage/mem"
)

// TestConcurrentStart: replicas starting at once on one storage end up
// trusting each other's tokens and signing with one key.
func TestConcurrentStart(t *testing.T) {
	ctx := context.Background()
	d := mem.New()
	const n = 4
	svcs := make([]*Service, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			svcs[i], errs[i] = New(ctx, Config{AdminPassword: adminPW}, d, slog.New(slog.NewTextHandler(io.Discard, nil)))
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range svcs {
		tok, _, _, err := a.mint(ctx, caller{Subject: Subject{Name: "admin"}, via: viaPassword}, repo("x/y", ActionPull))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range svcs {
			if _, err := b.Authorize(bearer(tok), repo("x/y", ActionPull)); err != nil {
				t.Fatalf("a replica refuses another's token: %v", err)
			}
		}
	}
	// Once each has re-read the keys (keyRefresh), all sign with the key
	// the pointer names.
	kids := map[string]bool{}
	for _, s := range svcs {
		if err := s.keys.refresh(ctx); err != nil {
			t.Fatal(err)
		}
		kid, _ := s.keys.signer(ctx)
		kids[kid] = true
	}
	if len(kids) != 1 {
		t.Fatalf("replicas sign with %d keys", len(kids))
	}
	users, _ := svcs[0].users.List(ctx)
	if len(users) != 1 || users[0].Name != AdminUser {
		t.Fatalf("users %+v", users)
	}
}

// TestVerificationKeys: a configured PEM key verifies tokens of pier's own
// issuer, under either kid format; a key absent from the file does not.
func TestVerificationKeys(t *testing.T) {
	old, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&old.PublicKey)
	file := filepath.Join(t.TempDir(), "old.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Config{VerificationKeys: []string{file}})
	tp, _ := jwkThumbprint(&old.PublicKey)
	lt, _ := libtrustKID(&old.PublicKey)
	for _, kid := range []string{tp, lt} {
		tok := sign(t, jwt.SigningMethodES256, old, kid, goodClaims("alice", pull("alice/app")))
		if _, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull)); err != nil {
			t.Fatalf("kid %s: %v", kid, err)
		}
	}
	// A token naming the old key's kid but signed by a different one fails.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok := sign(t, jwt.SigningMethodES256, other, tp, goodClaims("alice", pull("alice/app")))
	_, err := f.s.Authorize(bearer(tok), repo("alice/app", ActionPull))
	wantChallenge(t, err, "invalid_token")

	if _, err := New(context.Background(), Config{VerificationKeys: []string{filepath.Join(t.TempDir(), "missing.pem")}}, mem.New(), nil); err == nil {
		t.Fatal("a missing verification key file was accepted")
	}
}

// TestKeyAdmin: the functions behind `pier token key`.
func TestKeyAdmin(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, Config{})
	first, _ := f.signingKey(t)
	second, err := RotateKey(ctx, f.d)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ListKeys(ctx, f.d)
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %+v %v", keys, err)
	}
	for _, k := range keys {
		if k.Signing != (k.KID == second) {
			t.Fatalf("signing flag wrong: %+v", keys)
		}
	}
	if err := RetireKey(ctx, f.d, second); err == nil {
		t.Fatal("retired the signing key")
	}
	if err := RetireKey(ctx, f.d, "not-a-kid"); err == nil {
		t.Fatal("retired a malformed kid")
	}
	if err := RetireKey(ctx, f.d, first); err != nil {
		t.Fatal(err)
	}
	if keys, _ := ListKeys(ctx, f.d); len(keys) != 1 || keys[0].KID != second {
		t.Fatalf("after retiring: %+v", keys)
	}
}
