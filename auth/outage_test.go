package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// outage is a fixture on a failDriver, with the credentials alice holds:
// her password, an access token, bearer tokens of a password login and
// of an access-token login, and a refresh token.
type outage struct {
	*fixture
	fd                  *failDriver
	secret              string // access token
	bearerPW, bearerTok string
	refresh             string
}

func newOutage(t *testing.T) *outage {
	t.Helper()
	md := mem.New()
	fd := &failDriver{Driver: md}
	o := &outage{fixture: newFixtureOn(t, Config{}, md, fd), fd: fd}
	var err error
	o.secret, _, err = o.s.tokens.Create(context.Background(), "alice", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	o.bearerPW = o.mustToken(t, "alice", alicePW, "repository:alice/app:pull").Token
	o.bearerTok = o.mustToken(t, "alice", o.secret, "repository:alice/app:pull").Token
	resp, tr := o.tokenGET(t, "alice", alicePW, url.Values{"service": {"pier"}, "offline_token": {"true"}})
	if resp.StatusCode != http.StatusOK || tr.RefreshToken == "" {
		t.Fatalf("refresh token: status %d", resp.StatusCode)
	}
	o.refresh = tr.RefreshToken
	return o
}

// requests are the ways alice authenticates to the API.
func (o *outage) requests() map[string]*http.Request {
	return map[string]*http.Request{
		"bearer of a password login":      bearer(o.bearerPW),
		"bearer of an access-token login": bearer(o.bearerTok),
		"Basic with the password":         basic("alice", alicePW),
		"Basic with an access token":      basic("alice", o.secret),
	}
}

// TestAuthorizeStorageDown: with the storage unreachable, every way of
// authenticating fails with an error wrapping storage.ErrUnavailable (the
// API's 503), not a 401 as if the credentials were bad; afterwards they
// all work again.
func TestAuthorizeStorageDown(t *testing.T) {
	o := newOutage(t)
	want := repo("alice/app", ActionPull)
	o.fd.setDown("")
	for name, r := range o.requests() {
		_, err := o.s.Authorize(r, want)
		var ch *Challenge
		if errors.As(err, &ch) || !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s with storage down: %v (%T), want an error wrapping storage.ErrUnavailable", name, err, err)
		}
	}
	o.fd.setDown()
	for name, r := range o.requests() {
		if _, err := o.s.Authorize(r, want); err != nil {
			t.Errorf("%s with storage back: %v", name, err)
		}
	}
}

// TestAuthorizeUsersDown: a stored token that can be read, of a user whose
// record cannot, is not taken for a token of a removed user.
func TestAuthorizeUsersDown(t *testing.T) {
	o := newOutage(t)
	o.fd.setDown(usersPrefix)
	for name, r := range map[string]*http.Request{
		"bearer of a password login": bearer(o.bearerPW),
		"Basic with an access token": basic("alice", o.secret),
	} {
		if _, err := o.s.Authorize(r, repo("alice/app", ActionPull)); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s with the users unreadable: %v, want storage.ErrUnavailable", name, err)
		}
	}
}

// TestTokenServerStorageDown: /token and the token API answer 503 with
// Retry-After and a JSON error that gives nothing of the backend away;
// the failures do not count as failed logins.
func TestTokenServerStorageDown(t *testing.T) {
	o := newOutage(t)
	o.fd.setDown("")
	calls := map[string]func() *http.Request{
		"GET /token with a password": func() *http.Request {
			r := o.newRequest(t, http.MethodGet, "/token?service=pier&scope=repository:alice/app:pull", "")
			r.SetBasicAuth("alice", alicePW)
			return r
		},
		"GET /token with an access token": func() *http.Request {
			r := o.newRequest(t, http.MethodGet, "/token?service=pier", "")
			r.SetBasicAuth("alice", o.secret)
			return r
		},
		"POST /token password grant": func() *http.Request {
			return o.form(t, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePW}, "service": {"pier"}})
		},
		"POST /token refresh grant": func() *http.Request {
			return o.form(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {o.refresh}, "service": {"pier"}})
		},
		"GET /api/v1/tokens with a bearer token": func() *http.Request {
			r := o.newRequest(t, http.MethodGet, "/api/v1/tokens", "")
			r.Header.Set("Authorization", "Bearer "+o.bearerPW)
			return r
		},
	}
	for range 3 { // more than enough failures to slow a brute-forcer down
		for name, call := range calls {
			wantUnavailable(t, name, call())
		}
	}
	if !strings.Contains(o.log.String(), "storage unavailable") {
		t.Errorf("no log line says the storage is unavailable:\n%s", o.log.String())
	}
	o.fd.setDown()
	for name, call := range calls {
		resp := do(t, call())
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s with storage back: status %d", name, resp.StatusCode)
		}
	}
}

func (o *outage) newRequest(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, o.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (o *outage) form(t *testing.T, f url.Values) *http.Request {
	t.Helper()
	r := o.newRequest(t, http.MethodPost, "/token", f.Encode())
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// reply is a response with its body read.
type reply struct {
	*http.Response
	body []byte
}

func do(t *testing.T, r *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp, body}
}

// wantUnavailable fails t unless r is answered 503 with Retry-After and
// the UNAVAILABLE error, without the backend's address.
func wantUnavailable(t *testing.T, name string, r *http.Request) {
	t.Helper()
	rep := do(t, r)
	if rep.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s with storage down: status %d, want 503; body %s", name, rep.StatusCode, rep.body)
		return
	}
	if rep.Header.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", name)
	}
	var body errorBody
	if err := json.Unmarshal(rep.body, &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Code != "UNAVAILABLE" {
		t.Errorf("%s: body %s, want one UNAVAILABLE error", name, rep.body)
	}
	if strings.Contains(string(rep.body), backendAddr) {
		t.Errorf("%s: body %s gives away the backend", name, rep.body)
	}
}
