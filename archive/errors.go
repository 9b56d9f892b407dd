package archive

import "errors"

// Errors of reading an archive. Each is wrapped with the entry it is about.
var (
	// ErrFormat: the file or directory is none of the formats Open reads.
	ErrFormat = errors.New("not an image archive")
	// ErrMissing: an entry the archive's own index refers to is not there.
	ErrMissing = errors.New("missing from the archive")
	// ErrCorrupt: an entry is cut short, has the wrong size, or its
	// content does not match its digest.
	ErrCorrupt = errors.New("corrupt archive entry")
	// ErrUnnamed: an image has no name to import it under.
	ErrUnnamed = errors.New("image has no name")
	// ErrNotFound: the registry has no such repository, tag, manifest or
	// blob.
	ErrNotFound = errors.New("not found in the registry")
)
