package auth

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// DefaultAccessTokenTTL is how long an access token lives when its
// creator does not say.
const DefaultAccessTokenTTL = 90 * 24 * time.Hour

// createTokenRequest is the body of POST /api/v1/tokens.
type createTokenRequest struct {
	User    string   `json:"user"`    // default: the caller
	Scopes  []string `json:"scopes"`  // default: everything the user may do
	Expires string   `json:"expires"` // default 90d
}

// createTokenResponse shows the secret, once.
type createTokenResponse struct {
	Token
	Secret string `json:"token"`
}

// apiCaller authenticates a caller of the token API: Basic with a
// password, or a bearer token of a password or refresh-token login.
// Access tokens may not manage tokens, so that a leaked CI token cannot
// mint itself successors.
func (s *Service) apiCaller(w http.ResponseWriter, r *http.Request) (caller, bool) {
	var c caller
	var err error
	switch cred := parseAuthorization(r); cred.scheme {
	case "basic":
		if c, err = s.login(r.Context(), r, cred.user, cred.secret); err != nil {
			s.writeLoginError(w, r, err, false)
			return caller{}, false
		}
	case "bearer":
		c, err = s.verify(r.Context(), cred.secret)
		if errors.Is(err, errCheckFailed) {
			s.writeInternal(w, r, err)
			return caller{}, false
		}
		if err != nil || c.Anonymous() {
			s.writeUnauthorized(w, "invalid or anonymous bearer token")
			return caller{}, false
		}
	default:
		s.writeUnauthorized(w, "authentication required")
		return caller{}, false
	}
	if c.via != viaPassword && c.via != viaRefresh {
		writeError(w, http.StatusForbidden, codeDenied, "access tokens cannot manage access tokens; log in with a password")
		return caller{}, false
	}
	return c, true
}

// mayManage reports whether c may manage the tokens of user.
func (c caller) mayManage(user string) bool {
	return user == c.Name || c.Name == AdminUser
}

// serveCreateToken: POST /api/v1/tokens {user, scopes, expires}
// 201 with the secret, 400 bad input, 401, 403 other user's, 404 no user.
func (s *Service) serveCreateToken(w http.ResponseWriter, r *http.Request) {
	c, ok := s.apiCaller(w, r)
	if !ok {
		return
	}
	var req createTokenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxForm))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, "body must be JSON {user, scopes, expires}")
		return
	}
	req.User = cmp.Or(req.User, c.Name)
	if !c.mayManage(req.User) {
		writeError(w, http.StatusForbidden, codeDenied, "only admin may create tokens for other users")
		return
	}
	ttl, err := ParseDuration(cmp.Or(req.Expires, Duration(DefaultAccessTokenTTL).String()))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return
	}
	secret, tok, err := s.tokens.Create(r.Context(), req.User, req.Scopes, ttl)
	switch {
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, codeInvalid, err.Error())
	case errors.Is(err, ErrUserNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, err.Error())
	case err != nil:
		s.writeInternal(w, r, err)
	default:
		s.event(r, "access_token_created", tok.User, "id", tok.ID, "by", c.Name)
		writeJSON(w, http.StatusCreated, createTokenResponse{tok, secret})
	}
}

// serveListTokens: GET /api/v1/tokens[?user=U] 200 {tokens}; a user sees
// its own, admin everyone's.
func (s *Service) serveListTokens(w http.ResponseWriter, r *http.Request) {
	c, ok := s.apiCaller(w, r)
	if !ok {
		return
	}
	user := r.URL.Query().Get("user")
	if c.Name != AdminUser {
		if user != "" && user != c.Name {
			writeError(w, http.StatusForbidden, codeDenied, "only admin may list other users' tokens")
			return
		}
		user = c.Name
	}
	toks, err := s.tokens.List(r.Context(), user)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]Token{"tokens": toks})
}

// serveRevokeToken: DELETE /api/v1/tokens/{id} 204, 404 unknown or not
// the caller's (a user cannot probe for other users' token ids).
func (s *Service) serveRevokeToken(w http.ResponseWriter, r *http.Request) {
	c, ok := s.apiCaller(w, r)
	if !ok {
		return
	}
	tok, err := s.tokens.Get(r.Context(), r.PathValue("id"))
	if err == nil && !c.mayManage(tok.User) {
		err = ErrTokenNotFound
	}
	if err == nil {
		err = s.tokens.Revoke(r.Context(), tok.ID)
	}
	switch {
	case errors.Is(err, ErrTokenNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, "no such token")
	case err != nil:
		s.writeInternal(w, r, err)
	default:
		s.event(r, "access_token_revoked", tok.User, "id", tok.ID, "by", c.Name)
		w.WriteHeader(http.StatusNoContent)
	}
}
