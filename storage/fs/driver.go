// Package fs is the default storage.Driver: values are files under one root
// directory.
//
// On-disk layout. A key's segments become directories, and its value is a
// file named after the last segment plus "~". Keys may not contain '~', so
// a value never collides with the directory of longer keys, and names that
// start with '~' are free for the driver's own use:
//
//	<root>/_catalog/a~              value of "_catalog/a"
//	<root>/_catalog/a/b~            value of "_catalog/a/b"
//	<root>/blobs/sha256/ab/abcd…~   value of "blobs/sha256/ab/abcd…"
//	<root>/<dir>/~put-<random>      a Put in progress (renamed over the value)
//	<root>/~uploads/<id>            staged data of upload <id>, until Commit
//
// Directories exist only while they hold something: Delete removes the
// directories it empties, up to the root. What a crash leaves of temp and
// staging files, garbage collection removes (PurgeUploads, purge.go).
//
// Several processes may share a root (pier serve beside pier gc): every
// change is a create, rename or remove of one name, so correctness needs no
// locks. Writes are fsynced, and so are the directories they change.
package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/pier-registry/pier/storage"
)

// Driver stores values as files under a root directory.
type Driver struct {
	root string
	dirs dirCache // entries of quiet directories, for List (dircache.go)
}

var _ storage.Driver = (*Driver)(nil)

// New returns a Driver over root, creating the directory if needed.
func New(root string) (*Driver, error) {
	if root == "" {
		return nil, errors.New("fs: no root directory given")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("fs: root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("fs: creating root: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("fs: root: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("fs: root %s is not a directory", abs)
	}
	return &Driver{root: abs}, nil
}

// Values and directories are private to the user running pier: the same
// storage may hold user records and signing keys.
const (
	filePerm = 0o600
	dirPerm  = 0o700
)

// Open returns the file holding key: an *os.File, so that net/http can
// serve it with sendfile.
func (d *Driver) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	p, err := d.checked(ctx, "open", key)
	if err != nil {
		return nil, storage.Info{}, err
	}
	f, err := openRead(p)
	if err != nil {
		return nil, storage.Info{}, pathError("open", key, err)
	}
	fi, err := f.Stat()
	if err == nil {
		var info storage.Info
		if info, err = fileInfo(key, fi); err == nil {
			return f, info, nil
		}
	}
	f.Close()
	return nil, storage.Info{}, fmt.Errorf("fs: open %q: %w", key, err)
}

// Stat describes key.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Info, error) {
	p, err := d.checked(ctx, "stat", key)
	if err != nil {
		return storage.Info{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return storage.Info{}, pathError("stat", key, err)
	}
	info, err := fileInfo(key, fi)
	if err != nil {
		return storage.Info{}, fmt.Errorf("fs: stat %q: %w", key, err)
	}
	return info, nil
}

// Put writes data to a temporary file beside the value, then renames it
// over the value, so readers see the old value or the new one.
func (d *Driver) Put(ctx context.Context, key string, data []byte) error {
	p, err := d.checked(ctx, "put", key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	err = d.inDir(dir, func() error { return replace(dir, p, data) })
	if err != nil {
		return fmt.Errorf("fs: put %q: %w", key, err)
	}
	return nil
}

// Delete removes key and the directories that this leaves empty.
func (d *Driver) Delete(ctx context.Context, key string) error {
	p, err := d.checked(ctx, "delete", key)
	if err != nil {
		return err
	}
	err = os.Remove(p)
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: delete %q: %w", key, err)
	}
	kept := d.prune(filepath.Dir(p))
	if err == nil {
		// The removal must last before a caller goes on to remove what
		// this key pointed to.
		if err := syncDir(kept); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("fs: delete %q: %w", key, err)
		}
	}
	return nil
}

// checked returns the path of key after checking ctx and key.
func (d *Driver) checked(ctx context.Context, op, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("fs: %s %q: %w", op, key, err)
	}
	return d.path(key)
}

// pathError wraps err from the file of key, as storage.ErrNotFound when the
// file is missing.
func pathError(op, key string, err error) error {
	if errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("fs: %s %q: %w", op, key, err)
}

func fileInfo(key string, fi iofs.FileInfo) (storage.Info, error) {
	if !fi.Mode().IsRegular() {
		return storage.Info{}, fmt.Errorf("%s is not a regular file (%v)", fi.Name(), fi.Mode().Type())
	}
	return storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}
