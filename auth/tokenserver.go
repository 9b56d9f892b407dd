package auth

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// maxForm bounds the body of POST /token.
const maxForm = 64 << 10

// tokenResponse is the reply of /token: the Docker token spec's fields and
// OAuth2's.
type tokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// routes is the table of what Handler serves.
func (s *Service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /token", s.serveTokenGet)   // token spec: Basic or anonymous
	mux.HandleFunc("POST /token", s.serveTokenPost) // OAuth2: password and refresh_token grants
	mux.HandleFunc("GET /api/v1/tokens", s.serveListTokens)
	mux.HandleFunc("POST /api/v1/tokens", s.serveCreateToken)
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", s.serveRevokeToken)
	return mux
}

// serveTokenGet: GET /token?service=&scope=...&offline_token=&client_id=
// 200 token, 400 bad scope or service, 401 bad credentials, 429 locked.
func (s *Service) serveTokenGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want, ok := s.tokenRequest(w, q.Get("service"), q["scope"])
	if !ok {
		return
	}
	var c caller
	switch cred := parseAuthorization(r); cred.scheme {
	case "":
		if !s.policy.anonymousEnabled() {
			s.writeUnauthorized(w, "authentication required")
			return
		}
	case "basic":
		var err error
		if c, err = s.login(r.Context(), r, cred.user, cred.secret); err != nil {
			s.writeLoginError(w, r, err, false)
			return
		}
	default:
		s.writeUnauthorized(w, "log in to the token server with Basic credentials")
		return
	}
	offline, _ := strconv.ParseBool(q.Get("offline_token"))
	s.issue(w, r, c, want, offline, q.Get("client_id"))
}

// serveTokenPost: POST /token, form grant_type=password|refresh_token.
// 200 token, 400 invalid request or grant, 429 locked.
func (s *Service) serveTokenPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", codeInvalid, "malformed form body")
		return
	}
	f := r.PostForm
	want, ok := s.tokenRequest(w, f.Get("service"), f["scope"])
	if !ok {
		return
	}
	var c caller
	var err error
	switch f.Get("grant_type") {
	case "password":
		c, err = s.login(r.Context(), r, f.Get("username"), f.Get("password"))
	case "refresh_token":
		c, err = s.loginRefresh(r.Context(), r, f.Get("refresh_token"))
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", codeUnsupported,
			"grant_type must be password or refresh_token")
		return
	}
	if err != nil {
		s.writeLoginError(w, r, err, true)
		return
	}
	s.issue(w, r, c, want, f.Get("access_type") == "offline", f.Get("client_id"))
}

// tokenRequest checks the service and scope parameters of a token request.
func (s *Service) tokenRequest(w http.ResponseWriter, service string, scopes []string) ([]Access, bool) {
	if service != "" && service != s.cfg.Service {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", codeInvalid,
			"unknown service "+strconv.Quote(service)+"; this is "+strconv.Quote(s.cfg.Service))
		return nil, false
	}
	want, err := ParseScopes(scopes)
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", codeInvalid, err.Error())
		return nil, false
	}
	return want, true
}

// writeLoginError answers a failed login: 429 while locked, else 401 (GET)
// or 400 invalid_grant (OAuth2 POST).
func (s *Service) writeLoginError(w http.ResponseWriter, r *http.Request, err error, oauth bool) {
	var retry *RetryError
	switch {
	case errors.As(err, &retry):
		writeTooMany(w, retry)
	case !errors.Is(err, ErrBadCredentials):
		s.writeInternal(w, r, err)
	case oauth:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", codeUnauthorized, ErrBadCredentials.Error())
	default:
		s.writeUnauthorized(w, ErrBadCredentials.Error())
	}
}

// issue grants c what it may have of want, and replies with a token; with
// offline, also with a refresh token.
func (s *Service) issue(w http.ResponseWriter, r *http.Request, c caller, want []Access, offline bool, client string) {
	granted := []Access{}
	for _, a := range want {
		if acts := s.Allowed(r.Context(), c.Subject, a); len(acts) > 0 {
			granted = append(granted, Access{Type: a.Type, Name: a.Name, Actions: acts})
		}
	}
	resp := tokenResponse{Scope: scopeList(granted)}
	if offline || c.via == viaRefresh {
		var err error
		if resp.RefreshToken, err = s.refreshToken(r, c, client); err != nil {
			s.writeInternal(w, r, err)
			return
		}
	}
	signed, iat, exp, err := s.mint(r.Context(), c, granted)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	resp.Token, resp.AccessToken = signed, signed
	resp.IssuedAt = iat.UTC().Format(time.RFC3339)
	resp.ExpiresIn = int(exp.Sub(iat) / time.Second)
	s.event(r, "token_issued", c.Name, "scope", resp.Scope, "via", c.via)
	writeJSON(w, http.StatusOK, resp)
}

// refreshToken is the refresh token for c: the one it presented, if any
// (a refresh token, or an access token which then serves as one); a new
// one for a password login; none for anonymous and external callers.
func (s *Service) refreshToken(r *http.Request, c caller, client string) (string, error) {
	switch {
	case c.secret != "":
		return c.secret, nil
	case c.via != viaPassword:
		return "", nil
	}
	secret, _, err := s.tokens.createRefresh(r.Context(), c.Name, client, time.Duration(s.cfg.RefreshTokenLifetime))
	return secret, err
}
