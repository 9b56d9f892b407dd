package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors of the user and token records. Callers check them with errors.Is.
var (
	// ErrUserExists is returned by Users.Add for a name already taken.
	ErrUserExists = errors.New("user already exists")
	// ErrUserNotFound is returned for a user that does not exist.
	ErrUserNotFound = errors.New("user not found")
	// ErrBadCredentials means a name, password or token did not match.
	// It never says which part was wrong.
	ErrBadCredentials = errors.New("incorrect username or password")
	// ErrTokenNotFound is returned for an access token id that does not exist.
	ErrTokenNotFound = errors.New("access token not found")
	// ErrInvalid marks bad input: a malformed name, scope, pattern or duration.
	ErrInvalid = errors.New("invalid")
)

// errCheckFailed marks a credential check that could not be made because
// the storage failed. The request fails with it (503 while the storage is
// unreachable) instead of being refused as if the credential were bad.
var errCheckFailed = errors.New("could not check credentials")

// RetryError is the ErrTooMany a caller gets while its logins are locked.
// errors.Is(err, ErrTooMany) holds; After is the wait for Retry-After.
type RetryError struct {
	After time.Duration
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("%v: retry after %s", ErrTooMany, e.After.Round(time.Second))
}

// Is makes errors.Is(err, ErrTooMany) true.
func (e *RetryError) Is(target error) bool { return target == ErrTooMany }

// RetryAfter is how long the caller must wait.
func (e *RetryError) RetryAfter() time.Duration { return e.After }

// RetryAfterSeconds is the Retry-After header value: whole seconds, at least 1.
func (e *RetryError) RetryAfterSeconds() int {
	s := int((e.After + time.Second - 1) / time.Second)
	return max(s, 1)
}

// invalidf returns an error wrapping ErrInvalid with a message for a person.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
