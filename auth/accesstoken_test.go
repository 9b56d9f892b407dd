package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestAccessTokenAsPassword: an access token works as the password of
// docker login (the token server) and of plain Basic, within its scopes.
func TestAccessTokenAsPassword(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	secret, tok, err := f.s.tokens.Create(ctx, "alice", []string{"repository:alice/ci:pull,push"}, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Kind != KindAccess || !IsTokenSecret(secret) {
		t.Fatalf("token %+v", tok)
	}
	if _, err := f.s.Authorize(basic("alice", secret), repo("alice/ci", ActionPush)); err != nil {
		t.Fatalf("Basic with the token: %v", err)
	}
	if _, err := f.s.Authorize(basic("alice", secret), repo("alice/other", ActionPull)); !errors.Is(err, ErrDenied) {
		t.Fatalf("outside the token's scope: %v", err)
	}
	_, err = f.s.Authorize(basic("bob", secret), repo("alice/ci", ActionPull))
	wantChallenge(t, err, "")

	resp, tr := f.tokenGET(t, "alice", secret, url.Values{
		"scope": {"repository:alice/ci:pull,push,delete", "repository:alice/other:pull"}, "offline_token": {"true"},
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token server: status %d", resp.StatusCode)
	}
	if tr.Scope != "repository:alice/ci:pull,push" {
		t.Fatalf("scope %q", tr.Scope)
	}
	if tr.RefreshToken != secret {
		t.Fatal("an access-token login must get the access token back as its refresh token")
	}
}

// TestRevokedAccessTokenStopsAtOnce: revoking an access token refuses it
// as a password, as a refresh token, and the bearer tokens it bought.
func TestRevokedAccessTokenStopsAtOnce(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	secret, tok, err := f.s.tokens.Create(ctx, "alice", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.mustToken(t, "alice", secret, "repository:alice/app:pull")
	if _, err := f.s.Authorize(bearer(tr.Token), repo("alice/app", ActionPull)); err != nil {
		t.Fatal(err)
	}
	// Revoke through a second handle on the same storage, as the CLI does
	// from another process.
	if err := NewTokens(f.d).Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Authorize(bearer(tr.Token), repo("alice/app", ActionPull))
	wantChallenge(t, err, "invalid_token")
	_, err = f.s.Authorize(basic("alice", secret), repo("alice/app", ActionPull))
	wantChallenge(t, err, "")
	if resp, _ := f.tokenPOST(t, refreshForm(secret, "")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("refresh with a revoked token: status %d", resp.StatusCode)
	}
}

// TestExpiredAccessToken: an expired token is refused, and bearer tokens
// never outlive the access token they came from.
func TestExpiredAccessToken(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	secret, tok, err := f.s.tokens.Create(ctx, "alice", nil, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.mustToken(t, "alice", secret, "repository:alice/app:pull")
	if tr.ExpiresIn > 120 {
		t.Fatalf("bearer token lives %ds, longer than its access token", tr.ExpiresIn)
	}
	expire(t, f, tok.ID)
	_, err = f.s.Authorize(basic("alice", secret), repo("alice/app", ActionPull))
	wantChallenge(t, err, "")
	if resp, _ := f.tokenGET(t, "alice", secret, url.Values{}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token server with an expired token: status %d", resp.StatusCode)
	}
	if resp, _ := f.tokenPOST(t, refreshForm(secret, "")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("refresh with an expired token: status %d", resp.StatusCode)
	}
}

// expire rewrites a stored token so that it expired an hour ago.
func expire(t *testing.T, f *fixture, id string) {
	t.Helper()
	ctx := context.Background()
	var rec tokenRecord
	if err := readRecord(ctx, f.d, tokensPrefix+id, &rec); err != nil {
		t.Fatal(err)
	}
	rec.Expires = time.Now().Add(-time.Hour)
	if err := writeRecord(ctx, f.d, tokensPrefix+id, rec); err != nil {
		t.Fatal(err)
	}
}

// TestTokensStore: create, list, revoke, and the refusals of bad input.
func TestTokensStore(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	ts := NewTokens(f.d)
	_, a, err := ts.Create(ctx, "alice", []string{"repository:alice/*:pull"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.Create(ctx, "bob", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if all, _ := ts.List(ctx, ""); len(all) != 2 {
		t.Fatalf("list all: %d", len(all))
	}
	mine, _ := ts.List(ctx, "alice")
	if len(mine) != 1 || mine[0].ID != a.ID || mine[0].Scopes[0] != "repository:alice/*:pull" {
		t.Fatalf("alice's tokens %+v", mine)
	}
	for name, call := range map[string]func() error{
		"no such user": func() error { _, _, err := ts.Create(ctx, "nobody", nil, time.Hour); return err },
		"bad scope": func() error {
			_, _, err := ts.Create(ctx, "alice", []string{"repository:Alice:pull"}, time.Hour)
			return err
		},
		"no actions": func() error {
			_, _, err := ts.Create(ctx, "alice", []string{"repository:a:nothing"}, time.Hour)
			return err
		},
		"too short":      func() error { _, _, err := ts.Create(ctx, "alice", nil, time.Second); return err },
		"too long":       func() error { _, _, err := ts.Create(ctx, "alice", nil, 4000*24*time.Hour); return err },
		"revoke unknown": func() error { return ts.Revoke(ctx, "0123456789abcdef0123") },
		"revoke bad id":  func() error { return ts.Revoke(ctx, "../users/alice") },
	} {
		if call() == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := ts.Revoke(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Get(ctx, a.ID); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
}
