package auth

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// apiCall sends a request to the token API with an Authorization header.
func (f *fixture) apiCall(t *testing.T, method, path, authz, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func basicHeader(user, pass string) string {
	r := basic(user, pass)
	return r.Header.Get("Authorization")
}

// TestTokenAPI: create, list and revoke over HTTP, with who-may-do-what.
func TestTokenAPI(t *testing.T) {
	f := newFixture(t, Config{})
	alice := basicHeader("alice", alicePW)
	status, body := f.apiCall(t, "POST", "/api/v1/tokens", alice, `{"scopes":["repository:alice/ci:push"],"expires":"30d"}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	var created createTokenResponse
	if err := json.Unmarshal(body, &created); err != nil || !IsTokenSecret(created.Secret) || created.User != "alice" {
		t.Fatalf("create reply %s: %v", body, err)
	}
	if d := created.Expires.Sub(created.Created); d.Hours() != 30*24 {
		t.Errorf("lifetime %v", d)
	}
	// Access tokens do not manage tokens.
	if status, _ := f.apiCall(t, "POST", "/api/v1/tokens", basicHeader("alice", created.Secret), `{}`); status != http.StatusForbidden {
		t.Errorf("create with an access token: %d", status)
	}
	// A bearer token of a password login may.
	tr := f.mustToken(t, "alice", alicePW)
	if status, body := f.apiCall(t, "GET", "/api/v1/tokens", "Bearer "+tr.Token, ""); status != http.StatusOK || !strings.Contains(string(body), created.ID) {
		t.Errorf("list with a bearer token: %d %s", status, body)
	}
	bob := basicHeader("bob", bobPW)
	for _, tc := range []struct {
		method, path, authz, body string
		want                      int
	}{
		{"POST", "/api/v1/tokens", bob, `{"user":"alice"}`, http.StatusForbidden},
		{"GET", "/api/v1/tokens?user=alice", bob, "", http.StatusForbidden},
		{"DELETE", "/api/v1/tokens/" + created.ID, bob, "", http.StatusNotFound},
		{"POST", "/api/v1/tokens", bob, `{"scopes":["repository:x:bogus"]}`, http.StatusBadRequest},
		{"POST", "/api/v1/tokens", bob, `{"expires":"forever"}`, http.StatusBadRequest},
		{"POST", "/api/v1/tokens", bob, `{"unknown":1}`, http.StatusBadRequest},
		{"POST", "/api/v1/tokens", "", `{}`, http.StatusUnauthorized},
		{"POST", "/api/v1/tokens", basicHeader("bob", "wrong-password"), `{}`, http.StatusUnauthorized},
		{"POST", "/api/v1/tokens", basicHeader("admin", adminPW), `{"user":"nobody"}`, http.StatusNotFound},
		{"POST", "/api/v1/tokens", basicHeader("admin", adminPW), `{"user":"bob"}`, http.StatusCreated},
		{"GET", "/api/v1/tokens?user=alice", basicHeader("admin", adminPW), "", http.StatusOK},
		{"DELETE", "/api/v1/tokens/" + created.ID, alice, "", http.StatusNoContent},
		{"DELETE", "/api/v1/tokens/" + created.ID, alice, "", http.StatusNotFound},
		{"PUT", "/api/v1/tokens", alice, "", http.StatusMethodNotAllowed},
	} {
		if status, body := f.apiCall(t, tc.method, tc.path, tc.authz, tc.body); status != tc.want {
			t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, status, body, tc.want)
		}
	}
	// The revoked token no longer logs in.
	if _, err := f.s.Authorize(basic("alice", created.Secret), nil); err == nil {
		t.Error("revoked token still logs in")
	}
}
