package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// Passwords of the users every test service has.
const (
	adminPW = "admin-secret-1"
	alicePW = "alice-secret-1"
	bobPW   = "bob-secret-12"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a Service over storage/mem with users admin, alice and bob,
// and a live HTTP server for its Handler.
type fixture struct {
	s   *Service
	d   *mem.Driver
	srv *httptest.Server
	log *syncBuffer
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	d := mem.New()
	return newFixtureOn(t, cfg, d, d)
}

// newFixtureOn is newFixture with the service on sd, a driver over d.
func newFixtureOn(t *testing.T, cfg Config, d *mem.Driver, sd storage.Driver) *fixture {
	t.Helper()
	f := &fixture{d: d, log: &syncBuffer{}}
	cfg.AdminPassword = adminPW
	s, err := New(context.Background(), cfg, sd, slog.New(slog.NewTextHandler(f.log, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.s = s
	for name, pw := range map[string]string{"alice": alicePW, "bob": bobPW} {
		if err := s.users.Add(context.Background(), name, pw); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
	}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// tokenGET calls GET /token with optional Basic credentials.
func (f *fixture) tokenGET(t *testing.T, user, pass string, params url.Values) (*http.Response, tokenResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+"/token?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return doToken(t, req)
}

// tokenPOST calls POST /token with a form.
func (f *fixture) tokenPOST(t *testing.T, form url.Values) (*http.Response, tokenResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return doToken(t, req)
}

func doToken(t *testing.T, req *http.Request) (*http.Response, tokenResponse) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tr tokenResponse
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &tr); err != nil {
			t.Fatalf("token reply %s: %v", body, err)
		}
	}
	return resp, tr
}

// mustToken gets a token for user with scopes and fails the test otherwise.
func (f *fixture) mustToken(t *testing.T, user, pass string, scopes ...string) tokenResponse {
	t.Helper()
	resp, tr := f.tokenGET(t, user, pass, url.Values{"service": {"pier"}, "scope": scopes})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /token as %s: status %d", user, resp.StatusCode)
	}
	return tr
}

// request builds a /v2/ request carrying an Authorization header.
func request(authorization string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://registry.test/v2/", nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

func bearer(token string) *http.Request { return request("Bearer " + token) }

func basic(user, pass string) *http.Request {
	r := request("")
	r.SetBasicAuth(user, pass)
	return r
}

// signingKey reads the key the service signs with, straight from storage.
func (f *fixture) signingKey(t *testing.T) (string, *ecdsa.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	kid, err := readValue(ctx, f.d, signingKey)
	if err != nil {
		t.Fatal(err)
	}
	var rec keyRecord
	if err := readRecord(ctx, f.d, keysPrefix+string(kid), &rec); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(rec.Key))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return string(kid), k.(*ecdsa.PrivateKey)
}

// goodClaims are claims the service would issue to sub for access.
func goodClaims(sub string, access ...resourceActions) claims {
	now := time.Now()
	return claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "pier", Subject: sub, Audience: jwt.ClaimStrings{"pier"},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), NotBefore: jwt.NewNumericDate(now),
			IssuedAt: jwt.NewNumericDate(now), ID: "test",
		},
		Access: access,
	}
}

// sign makes a JWS of cl with method and key, naming kid ("" for none).
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, cl claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, cl)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pull is read access to one repository, as a claim entry.
func pull(name string) resourceActions {
	return resourceActions{Type: "repository", Name: name, Actions: []string{"pull"}}
}

// wantChallenge fails unless err is a 401 challenge with the given reason.
func wantChallenge(t *testing.T, err error, reason string) *Challenge {
	t.Helper()
	ch, ok := err.(*Challenge)
	if !ok {
		t.Fatalf("got %v (%T), want a *Challenge", err, err)
	}
	if ch.Err != reason {
		t.Fatalf("challenge error %q, want %q (header %s)", ch.Err, reason, ch.Header())
	}
	return ch
}

func repo(name string, actions ...string) []Access { return []Access{Repository(name, actions...)} }
