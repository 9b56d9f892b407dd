package storage

import "errors"

// Registry errors. Each names one condition of the distribution spec's error
// table; handlers/errors.go maps them to an HTTP status and an OCI code.
// Store methods wrap them with the detail a person needs ("%w: ...").
var (
	ErrBlobUnknown         = errors.New("blob unknown to registry")
	ErrBlobUploadUnknown   = errors.New("blob upload unknown to registry")
	ErrBlobUploadInvalid   = errors.New("blob upload invalid")
	ErrDigestInvalid       = errors.New("provided digest did not match uploaded content")
	ErrManifestUnknown     = errors.New("manifest unknown to registry")
	ErrManifestInvalid     = errors.New("manifest invalid")
	ErrManifestBlobUnknown = errors.New("manifest references a manifest or blob unknown to registry")
	ErrManifestTooLarge    = errors.New("manifest too large")
	ErrNameInvalid         = errors.New("invalid repository name")
	ErrNameUnknown         = errors.New("repository name not known to registry")
	ErrTagInvalid          = errors.New("invalid tag")
	ErrSizeInvalid         = errors.New("provided length did not match content length")
	ErrRangeInvalid        = errors.New("requested range not satisfiable")
	ErrUnsupported         = errors.New("the operation is unsupported")
	ErrDenied              = errors.New("requested access to the resource is denied")
)

// ErrUnavailable is wrapped by drivers when their backend cannot be reached
// (an S3 endpoint down); the API answers 503 with Retry-After.
var ErrUnavailable = errors.New("storage backend unavailable")
