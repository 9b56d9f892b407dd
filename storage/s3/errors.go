package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// ErrUnavailable is wrapped by every error that means S3 could not be
// reached or did not answer properly (connection refused or reset, timeouts,
// 5xx after retries, a missing bucket). It wraps storage.ErrUnavailable,
// which the API answers with 503 and Retry-After: the request may well
// succeed later.
var ErrUnavailable = fmt.Errorf("s3 unreachable or failing: %w", storage.ErrUnavailable)

// ErrInvalidKey is wrapped when a key breaks the storage.Driver key rules or
// holds a character this driver does not store (see checkKey).
var ErrInvalidKey = errors.New("s3: invalid key")

// S3 error codes that mean "no such thing". NoSuchBucket is deliberately not
// one of them: a missing bucket is a broken deployment, not a missing key.
var notFoundCodes = map[string]bool{
	"NoSuchKey":    true,
	"NoSuchUpload": true,
	"NotFound":     true,
}

// wrapErr turns an error from minio-go into one that says what failed and
// wraps storage.ErrNotFound or ErrUnavailable where they apply. ctx is the
// caller's context: when it is done, its error is what the caller sees.
func wrapErr(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("s3: %s %q: %w", op, key, ctxErr)
	}
	switch {
	case isNotFound(err):
		return fmt.Errorf("s3: %s %q: %w", op, key, storage.ErrNotFound)
	case isUnavailable(err):
		return fmt.Errorf("s3: %s %q: %w: %w", op, key, ErrUnavailable, err)
	}
	return fmt.Errorf("s3: %s %q: %w", op, key, err)
}

// isNotFound reports whether err is S3 saying the object or upload does
// not exist.
func isNotFound(err error) bool {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	if notFoundCodes[resp.Code] {
		return true
	}
	// A HEAD has no body, so the code may be missing: go by the status.
	return resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket"
}

// isUnavailable reports whether err means S3 is down, overloaded or not
// reachable, as opposed to S3 refusing the request.
func isUnavailable(err error) bool {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusRequestTimeout || resp.Code == "NoSuchBucket" ||
			resp.Code == "SlowDown" || resp.Code == "RequestTimeout"
	}
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &netErr) || errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}
