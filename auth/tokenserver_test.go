package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// parseIssued reads the claims of an issued token without verifying it.
func parseIssued(t *testing.T, tok string) (*jwt.Token, claims) {
	t.Helper()
	var cl claims
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &cl)
	if err != nil {
		t.Fatal(err)
	}
	return parsed, cl
}

// TestTokenGET: Basic credentials and several scopes give a token with
// exactly the granted actions and every claim the spec asks for.
func TestTokenGET(t *testing.T) {
	f := newFixture(t, Config{})
	resp, tr := f.tokenGET(t, "alice", alicePW, url.Values{
		"service": {"pier"},
		"scope":   {"repository:alice/app:pull,push", "repository:bob/app:pull,push", "registry:catalog:*"},
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if tr.Token == "" || tr.Token != tr.AccessToken {
		t.Fatal("token and access_token must be equal and set")
	}
	if tr.ExpiresIn != 300 {
		t.Errorf("expires_in %d, want 300", tr.ExpiresIn)
	}
	if _, err := time.Parse(time.RFC3339, tr.IssuedAt); err != nil {
		t.Errorf("issued_at %q: %v", tr.IssuedAt, err)
	}
	if tr.RefreshToken != "" {
		t.Error("refresh token without offline_token")
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	parsed, cl := parseIssued(t, tr.Token)
	if parsed.Method.Alg() != "ES256" || parsed.Header["kid"] == "" {
		t.Errorf("alg %s kid %v", parsed.Method.Alg(), parsed.Header["kid"])
	}
	if cl.Issuer != "pier" || cl.Subject != "alice" || !slices.Equal(cl.Audience, jwt.ClaimStrings{"pier"}) ||
		cl.ExpiresAt == nil || cl.NotBefore == nil || cl.IssuedAt == nil || cl.ID == "" {
		t.Errorf("claims %+v", cl.RegisteredClaims)
	}
	// Partly granted: push and pull on her own, nothing on bob's (left
	// out), the catalog.
	want := []resourceActions{
		{"repository", "alice/app", []string{"pull", "push"}},
		{"registry", "catalog", []string{"*"}},
	}
	if !slices.EqualFunc(cl.Access, want, func(a, b resourceActions) bool {
		return a.Type == b.Type && a.Name == b.Name && slices.Equal(a.Actions, b.Actions)
	}) {
		t.Errorf("access %+v, want %+v", cl.Access, want)
	}
	if tr.Scope != "repository:alice/app:pull,push registry:catalog:*" {
		t.Errorf("scope %q", tr.Scope)
	}
}

// TestTokenPartialGrant: pull is granted where push is not.
func TestTokenPartialGrant(t *testing.T) {
	f := newFixture(t, Config{AnonymousPull: []string{"public/*"}})
	tr := f.mustToken(t, "alice", alicePW, "repository:public/base:pull,push,delete")
	_, cl := parseIssued(t, tr.Token)
	if len(cl.Access) != 1 || !slices.Equal(cl.Access[0].Actions, []string{"pull"}) {
		t.Fatalf("access %+v, want pull only", cl.Access)
	}
	if _, err := f.s.Authorize(bearer(tr.Token), repo("public/base", ActionPull)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authorize(bearer(tr.Token), repo("public/base", ActionPull, ActionPush)); err != ErrDenied {
		t.Fatalf("push on public/base: %v, want ErrDenied", err)
	}
}

// TestTokenSpaceSeparatedScopes: one scope parameter may hold several
// (the conformance suite passes a challenge's scope value as it is).
func TestTokenSpaceSeparatedScopes(t *testing.T) {
	f := newFixture(t, Config{})
	tr := f.mustToken(t, "alice", alicePW, "repository:alice/a:pull,push repository:alice/b:pull")
	if _, err := f.s.Authorize(bearer(tr.Token), []Access{
		Repository("alice/a", ActionPull, ActionPush), Repository("alice/b", ActionPull),
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTokenOffline: offline_token=true returns a refresh token that buys
// further tokens for any scope of the same user.
func TestTokenOffline(t *testing.T) {
	f := newFixture(t, Config{})
	resp, tr := f.tokenGET(t, "alice", alicePW, url.Values{"offline_token": {"true"}, "client_id": {"docker"}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(tr.RefreshToken, "pier_") {
		t.Fatalf("status %d refresh %q", resp.StatusCode, tr.RefreshToken)
	}
	// An empty-scope token still opens GET /v2/ (what docker login checks).
	if _, err := f.s.Authorize(bearer(tr.Token), nil); err != nil {
		t.Fatalf("/v2/ with an empty-scope token: %v", err)
	}
	resp, again := f.tokenPOST(t, refreshForm(tr.RefreshToken, "repository:alice/x:push"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: status %d", resp.StatusCode)
	}
	if again.RefreshToken != tr.RefreshToken {
		t.Error("the refresh grant must return the same refresh token")
	}
	if _, err := f.s.Authorize(bearer(again.AccessToken), repo("alice/x", ActionPush)); err != nil {
		t.Fatal(err)
	}
	toks, _ := f.s.tokens.List(t.Context(), "alice")
	if len(toks) != 1 || toks[0].Kind != KindRefresh || toks[0].Client != "docker" {
		t.Fatalf("stored tokens %+v", toks)
	}
}

// TestTokenPOSTPassword: the OAuth2 password grant, with access_type=offline.
func TestTokenPOSTPassword(t *testing.T) {
	f := newFixture(t, Config{})
	form := url.Values{
		"grant_type": {"password"}, "username": {"bob"}, "password": {bobPW},
		"service": {"pier"}, "client_id": {"test"}, "access_type": {"offline"},
		"scope": {"repository:bob/app:pull,push repository:alice/app:pull"},
	}
	resp, tr := f.tokenPOST(t, form)
	if resp.StatusCode != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken == "" {
		t.Fatalf("status %d %+v", resp.StatusCode, tr)
	}
	if tr.Scope != "repository:bob/app:pull,push" {
		t.Errorf("scope %q", tr.Scope)
	}
	form.Set("password", "wrong-password")
	if resp, _ := f.tokenPOST(t, form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("wrong password: status %d, want 400 invalid_grant", resp.StatusCode)
	}
	form.Set("grant_type", "client_credentials")
	if resp, _ := f.tokenPOST(t, form); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unsupported grant: status %d, want 400", resp.StatusCode)
	}
}

// TestTokenRefusals: wrong credentials, an unknown service, and anonymous
// requests to a registry with nothing public.
func TestTokenRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	resp, _ := f.tokenGET(t, "alice", "wrong-password", url.Values{})
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("wrong password: status %d, challenge %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp, _ := f.tokenGET(t, "nobody", "whatever-pw", url.Values{}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown user: status %d", resp.StatusCode)
	}
	if resp, _ := f.tokenGET(t, "alice", alicePW, url.Values{"service": {"elsewhere"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown service: status %d", resp.StatusCode)
	}
	if resp, _ := f.tokenGET(t, "", "", url.Values{"scope": {"repository:alice/app:pull"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous without anonymous access: status %d", resp.StatusCode)
	}
}

// TestTokenAnonymous: with anonymous pull configured, a caller without
// credentials gets pull on public repositories and nothing else.
func TestTokenAnonymous(t *testing.T) {
	f := newFixture(t, Config{AnonymousPull: []string{"public/*"}})
	resp, tr := f.tokenGET(t, "", "", url.Values{
		"scope": {"repository:public/app:pull,push", "repository:alice/app:pull"}, "offline_token": {"true"},
	})
	if resp.StatusCode != http.StatusOK || tr.RefreshToken != "" {
		t.Fatalf("status %d refresh %q", resp.StatusCode, tr.RefreshToken)
	}
	if tr.Scope != "repository:public/app:pull" {
		t.Fatalf("scope %q", tr.Scope)
	}
	if _, err := f.s.Authorize(bearer(tr.Token), repo("public/app", ActionPull)); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.Authorize(bearer(tr.Token), repo("alice/app", ActionPull))
	wantChallenge(t, err, "insufficient_scope")
}
