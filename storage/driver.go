package storage

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// ErrNotFound is returned by a Driver when a key (or an upload id) does not exist.
var ErrNotFound = errors.New("storage: not found")

// ErrUploadBusy is returned by Driver.Upload when another session, in this
// process or in another sharing the storage, holds the upload.
var ErrUploadBusy = errors.New("storage: upload held by another session")

// Info describes one stored key.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Driver is a flat key/value store with byte-ordered keys. Keys are
// '/'-separated, never start or end with '/', and never contain "//", "." or
// ".." segments. A key may be both a value and a prefix of other keys
// ("_catalog/a" and "_catalog/a/b"): drivers must keep both.
//
// There are no directories, appends or renames: big values arrive through an
// Upload and are published atomically by Commit; small records use Put.
type Driver interface {
	// Open returns the value of key for reading. ErrNotFound if absent.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error)
	// Stat describes key. ErrNotFound if absent.
	Stat(ctx context.Context, key string) (Info, error)
	// Put replaces the value of key atomically: readers see the old value
	// or the new one, never a part. Meant for small records.
	Put(ctx context.Context, key string, data []byte) error
	// Delete removes key. A missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List yields the keys that start with prefix and sort strictly after
	// startAfter ("" for from the start), in byte order of the whole key.
	// It is lazy: a caller that stops early costs only what it read.
	List(ctx context.Context, prefix, startAfter string) iter.Seq2[Info, error]
	// Upload starts a staged write when id is "", or resumes the one with
	// that id (ErrNotFound if there is none). Staged data is invisible
	// under every key until Commit. The session returned holds the upload
	// alone until its Close, Commit or Cancel: resuming a held upload fails
	// with ErrUploadBusy. The Store relies on this: the hash state it keeps
	// beside an upload must describe exactly the bytes the driver holds, or
	// two racing writers could publish bytes under another content's digest.
	Upload(ctx context.Context, id string) (Upload, error)
}

// Upload is a staged write, invisible until Commit. An Upload value is used
// by one goroutine at a time; after Close, Commit or Cancel it is spent.
type Upload interface {
	io.Writer
	// ID names the upload for a later Driver.Upload(ctx, id). It is made of
	// [A-Za-z0-9_-] only.
	ID() string
	// Size is the number of bytes written so far, over every session.
	Size() int64
	// Close persists the progress, so that this or another process may
	// resume the upload with Driver.Upload.
	Close() error
	// Commit publishes everything written at key, atomically, replacing any
	// value there, and removes the staged data.
	Commit(ctx context.Context, key string) error
	// Cancel discards the upload and everything it staged.
	Cancel(ctx context.Context) error
}

// Redirector is implemented by drivers that can hand a client a direct,
// time-limited URL for reading a key (presigned S3 GET URLs).
type Redirector interface {
	// Redirects reports whether redirects are switched on.
	Redirects() bool
	RedirectURL(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// Toucher is implemented by drivers that can make a key's modification
// time "now" more cheaply than by rewriting it (a file's times on the
// filesystem: no data written, nothing synced).
type Toucher interface {
	// Touch sets the modification time of key to now and leaves its value
	// alone. Other processes see the new time at once, but it need not
	// survive a crash. ErrNotFound if key is absent; errors.ErrUnsupported
	// from a wrapper over a driver that cannot touch.
	Touch(ctx context.Context, key string) error
}

// KeyLister is implemented by drivers that list keys more cheaply when
// their sizes and times are not wanted (the filesystem: no stat per key).
type KeyLister interface {
	// ListKeys yields what List would, keys only.
	ListKeys(ctx context.Context, prefix, startAfter string) iter.Seq2[string, error]
}
