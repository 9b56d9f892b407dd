package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/pier-registry/pier/storage"
)

// Error codes of the distribution spec used in auth replies.
const (
	codeUnauthorized = "UNAUTHORIZED"
	codeDenied       = "DENIED"
	codeTooMany      = "TOOMANYREQUESTS"
	codeUnsupported  = "UNSUPPORTED"
	codeNotFound     = "NOT_FOUND"
	codeInvalid      = "INVALID_REQUEST"
	codeUnknown      = "UNKNOWN"
	codeUnavailable  = "UNAVAILABLE"
)

// unavailableRetry is the Retry-After, in seconds, of a 503 for
// unreachable storage (as the API sends).
const unavailableRetry = 5

// errorBody is the distribution-spec error envelope. For the OAuth2 POST
// it also carries RFC 6749's error and error_description, so that both
// kinds of client find a message they can show.
type errorBody struct {
	Errors      []errorEntry `json:"errors"`
	OAuthError  string       `json:"error,omitempty"`
	Description string       `json:"error_description,omitempty"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON sends v with status, never cached: replies here hold secrets.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError sends a distribution-spec error.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorBody{Errors: []errorEntry{{code, message}}})
}

// writeOAuthError sends an RFC 6749 error that is also a distribution one.
func writeOAuthError(w http.ResponseWriter, status int, oauth, code, message string) {
	writeJSON(w, status, errorBody{Errors: []errorEntry{{code, message}}, OAuthError: oauth, Description: message})
}

// writeUnauthorized asks for Basic credentials, as the token endpoint and
// the API take them.
func (s *Service) writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", (&Challenge{Service: s.cfg.Service}).Header())
	writeError(w, http.StatusUnauthorized, codeUnauthorized, message)
}

// writeTooMany refuses a locked-out caller.
func writeTooMany(w http.ResponseWriter, e *RetryError) {
	w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds()))
	writeError(w, http.StatusTooManyRequests, codeTooMany, "too many failed login attempts; retry later")
}

// writeInternal logs err and sends a 500 that reveals nothing of it, or a
// 503 with Retry-After when the storage is unreachable: the request may
// well succeed later, and clients retry a 503.
func (s *Service) writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrUnavailable) {
		s.log.WarnContext(r.Context(), "auth: storage unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(unavailableRetry))
		writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", codeUnavailable,
			"storage temporarily unavailable; retry later")
		return
	}
	s.log.ErrorContext(r.Context(), "auth: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, codeUnknown, "internal server error")
}
