package fs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/pier-registry/pier/storage"
)

// errSpent is returned by an upload used after Close, Commit or Cancel.
var errSpent = errors.New("fs: upload already closed, committed or cancelled")

// Upload starts an upload when id is "", or resumes upload id. The staged
// data is a file under <root>/~uploads, so any process sharing the root
// can resume it.
func (d *Driver) Upload(ctx context.Context, id string) (storage.Upload, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fs: upload %q: %w", id, err)
	}
	if id == "" {
		return d.startUpload()
	}
	if !validID(id) {
		return nil, fmt.Errorf("fs: upload %q: malformed id: %w", id, storage.ErrNotFound)
	}
	f, err := os.OpenFile(d.stagedPath(id), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, pathError("resume upload", id, err)
	}
	if busy, err := hold(f); busy || err != nil {
		f.Close()
		if busy {
			err = storage.ErrUploadBusy
		}
		return nil, fmt.Errorf("fs: resume upload %q: %w", id, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fs: resume upload %q: %w", id, err)
	}
	return &upload{d: d, id: id, f: f, size: fi.Size(), flushed: fi.Size()}, nil
}

// startUpload creates the staging file of a new upload under a random
// 128-bit id.
func (d *Driver) startUpload() (*upload, error) {
	id := rand.Text()
	dir := filepath.Join(d.root, stagingDir)
	var f *os.File
	err := d.inDir(dir, func() (err error) {
		f, err = os.OpenFile(d.stagedPath(id), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, filePerm)
		if err == nil {
			if _, err = hold(f); err != nil { // a new file: nobody else holds it
				f.Close()
			}
		}
		return err
	})
	if err == nil {
		// Once created the upload must last, to be resumed after a crash.
		if err = syncDir(dir); err != nil {
			f.Close()
			os.Remove(d.stagedPath(id))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("fs: start upload: %w", err)
	}
	return &upload{d: d, id: id, f: f}, nil
}

func (d *Driver) stagedPath(id string) string {
	return filepath.Join(d.root, stagingDir, id)
}

// validID reports whether id could have been made by startUpload: ids of
// any other shape are never looked up, so none can escape the staging area.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// upload is one session of a staged write: the staging file, open for
// appending. f is nil once the session is spent.
type upload struct {
	d    *Driver
	id   string
	f    *os.File
	size int64
	// flushed is how far writeback has been started (writeback_linux.go).
	flushed int64
}

// writebackEvery is how much an upload writes between writeback hints:
// large enough for big sequential disk writes, small enough that little
// is left for the final fsync.
const writebackEvery = 8 << 20

func (u *upload) ID() string  { return u.id }
func (u *upload) Size() int64 { return u.size }

// Write appends p to the staging file.
func (u *upload) Write(p []byte) (int, error) {
	if u.f == nil {
		return 0, fmt.Errorf("fs: upload %s: %w", u.id, errSpent)
	}
	n, err := u.f.Write(p)
	u.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("fs: upload %s: %w", u.id, err)
	}
	if u.size-u.flushed >= writebackEvery {
		startWriteback(u.f, u.flushed, u.size-u.flushed)
		u.flushed = u.size
	}
	return n, nil
}

// Close syncs and closes the staging file, so the upload can be resumed by
// any process sharing the root. Closing a spent upload does nothing.
func (u *upload) Close() error {
	if u.f == nil {
		return nil
	}
	if err := u.finish(); err != nil {
		return fmt.Errorf("fs: upload %s: %w", u.id, err)
	}
	return nil
}

// finish syncs and closes the staging file and spends the session.
func (u *upload) finish() error {
	err := u.f.Sync()
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	u.f = nil
	return err
}

// Commit renames the staging file to the file of key. A bad key or a done
// ctx leaves the session usable.
func (u *upload) Commit(ctx context.Context, key string) error {
	if u.f == nil {
		return fmt.Errorf("fs: upload %s: %w", u.id, errSpent)
	}
	p, err := u.d.checked(ctx, "commit", key)
	if err != nil {
		return err
	}
	if err := u.finish(); err != nil {
		return fmt.Errorf("fs: commit upload %s: %w", u.id, err)
	}
	if err := u.publish(p); err != nil {
		return fmt.Errorf("fs: commit upload %s to %q: %w", u.id, key, err)
	}
	u.d.prune(filepath.Join(u.d.root, stagingDir))
	return nil
}

// publish renames the staging file to p and makes the rename last.
func (u *upload) publish(p string) error {
	staged, dir := u.d.stagedPath(u.id), filepath.Dir(p)
	err := u.d.inDir(dir, func() error {
		err := os.Rename(staged, p)
		if errors.Is(err, iofs.ErrNotExist) {
			if _, serr := os.Lstat(staged); errors.Is(serr, iofs.ErrNotExist) {
				return storage.ErrNotFound // cancelled or committed elsewhere
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	// As in replace, a missing dir means the value is deleted already.
	if err := syncDir(dir); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	return nil
}

// Cancel removes the staging file. It finishes even when ctx is done: it
// only releases local resources, and an abandoned request must not leave
// its data behind.
func (u *upload) Cancel(context.Context) error {
	if u.f == nil {
		return fmt.Errorf("fs: upload %s: %w", u.id, errSpent)
	}
	u.f.Close()
	u.f = nil
	err := os.Remove(u.d.stagedPath(u.id))
	u.d.prune(filepath.Join(u.d.root, stagingDir))
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: cancel upload %s: %w", u.id, err)
	}
	return nil
}
