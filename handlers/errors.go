package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
)

// apiError is how one error class is answered: the HTTP status and the
// distribution-spec error code (spec "Error Codes").
type apiError struct {
	status int
	code   string
}

// errorTable is the only place where an error becomes an HTTP status.
var errorTable = []struct {
	err error
	apiError
}{
	{storage.ErrBlobUnknown, apiError{http.StatusNotFound, "BLOB_UNKNOWN"}},
	{storage.ErrBlobUploadUnknown, apiError{http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN"}},
	{storage.ErrBlobUploadInvalid, apiError{http.StatusBadRequest, "BLOB_UPLOAD_INVALID"}},
	{storage.ErrRangeInvalid, apiError{http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID"}},
	{storage.ErrUploadBusy, apiError{http.StatusConflict, "BLOB_UPLOAD_INVALID"}},
	{storage.ErrDigestInvalid, apiError{http.StatusBadRequest, "DIGEST_INVALID"}},
	{storage.ErrManifestUnknown, apiError{http.StatusNotFound, "MANIFEST_UNKNOWN"}},
	{storage.ErrManifestInvalid, apiError{http.StatusBadRequest, "MANIFEST_INVALID"}},
	{storage.ErrManifestBlobUnknown, apiError{http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN"}},
	{storage.ErrManifestTooLarge, apiError{http.StatusRequestEntityTooLarge, "SIZE_INVALID"}},
	{storage.ErrNameInvalid, apiError{http.StatusBadRequest, "NAME_INVALID"}},
	{storage.ErrNameUnknown, apiError{http.StatusNotFound, "NAME_UNKNOWN"}},
	{storage.ErrTagInvalid, apiError{http.StatusBadRequest, "MANIFEST_INVALID"}},
	{storage.ErrSizeInvalid, apiError{http.StatusBadRequest, "SIZE_INVALID"}},
	{storage.ErrUnsupported, apiError{http.StatusMethodNotAllowed, "UNSUPPORTED"}},
	{storage.ErrDenied, apiError{http.StatusForbidden, "DENIED"}},
	{auth.ErrDenied, apiError{http.StatusForbidden, "DENIED"}},
	{auth.ErrTooMany, apiError{http.StatusTooManyRequests, "TOOMANYREQUESTS"}},
	{storage.ErrUnavailable, apiError{http.StatusServiceUnavailable, "UNAVAILABLE"}},
	{errNotFound, apiError{http.StatusNotFound, "NOT_FOUND"}},
	{errBadRequest, apiError{http.StatusBadRequest, "UNSUPPORTED"}},
}

var (
	errNotFound   = errors.New("not found")
	errBadRequest = errors.New("bad request")
)

// retryAfter is implemented by errors that know when the client may try again.
type retryAfter interface{ RetryAfter() time.Duration }

// writeError answers err. A 500 never carries the error's text: it is
// logged with the request id, which the client gets instead.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ch *auth.Challenge
	if errors.As(err, &ch) {
		w.Header().Set("WWW-Authenticate", ch.Header())
		writeJSONError(w, http.StatusUnauthorized, "UNAUTHORIZED", err.Error())
		return
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "SIZE_INVALID", "request body too large")
		return
	}
	var ra retryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(int(ra.RetryAfter().Seconds()+0.999)))
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			if e.status == http.StatusServiceUnavailable {
				a.unavailable(w, err)
				return
			}
			writeJSONError(w, e.status, e.code, err.Error())
			return
		}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		a.log.Debug("client went away", "request_id", requestID(w), "method", r.Method, "path", r.URL.Path)
		return
	}
	a.log.Error("internal error", "request_id", requestID(w), "method", r.Method, "path", r.URL.Path, "err", err)
	msg := "internal error"
	if id := requestID(w); id != "" {
		msg += "; request id " + id
	}
	writeJSONError(w, http.StatusInternalServerError, "UNKNOWN", msg)
}

// unavailable answers 503 for a storage backend that cannot be reached.
// The error names the backend's address, bucket and keys: it goes to the
// log, and the client gets the request id instead.
func (a *api) unavailable(w http.ResponseWriter, err error) {
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "5")
	}
	a.log.Warn("storage unavailable", "request_id", requestID(w), "err", err)
	msg := "storage temporarily unavailable; retry later"
	if id := requestID(w); id != "" {
		msg += "; request id " + id
	}
	writeJSONError(w, http.StatusServiceUnavailable, "UNAVAILABLE", msg)
}

func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]string{{"code": code, "message": message}},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// requestID is the id the server's middleware gave this request.
func requestID(w http.ResponseWriter) string { return w.Header().Get("X-Request-Id") }

// badRequest is a 400 for a malformed request that no spec code names.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}
