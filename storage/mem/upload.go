package mem

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/pier-registry/pier/storage"
)

// errSpent is returned by an upload used after Close, Commit or Cancel.
var errSpent = errors.New("mem: upload already closed, committed or cancelled")

// Upload starts an upload when id is "", or resumes upload id.
func (d *Driver) Upload(ctx context.Context, id string) (storage.Upload, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mem: upload %q: %w", id, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id == "" {
		id = rand.Text()
		d.uploads[id] = []byte{}
		d.held[id] = true
		return &upload{d: d, id: id}, nil
	}
	data, ok := d.uploads[id]
	if !ok {
		return nil, fmt.Errorf("mem: upload %q: %w", id, storage.ErrNotFound)
	}
	if d.held[id] {
		return nil, fmt.Errorf("mem: upload %q: %w", id, storage.ErrUploadBusy)
	}
	d.held[id] = true
	return &upload{d: d, id: id, size: int64(len(data))}, nil
}

// upload is one session of a staged write held in Driver.uploads.
type upload struct {
	d     *Driver
	id    string
	size  int64
	spent bool
}

func (u *upload) ID() string  { return u.id }
func (u *upload) Size() int64 { return u.size }

// Write appends p to the staged data.
func (u *upload) Write(p []byte) (int, error) {
	if u.spent {
		return 0, fmt.Errorf("mem: upload %s: %w", u.id, errSpent)
	}
	u.d.mu.Lock()
	defer u.d.mu.Unlock()
	data, ok := u.d.uploads[u.id]
	if !ok {
		return 0, fmt.Errorf("mem: upload %s: %w", u.id, storage.ErrNotFound)
	}
	u.d.uploads[u.id] = append(data, p...)
	u.size += int64(len(p))
	return len(p), nil
}

// Close ends this session; the staged data stays for a later resume.
func (u *upload) Close() error {
	u.release()
	return nil
}

// release spends the session and lets another one hold the upload.
func (u *upload) release() {
	if u.spent {
		return
	}
	u.spent = true
	u.d.mu.Lock()
	delete(u.d.held, u.id)
	u.d.mu.Unlock()
}

// Commit moves the staged data to key without copying it.
func (u *upload) Commit(ctx context.Context, key string) error {
	if u.spent {
		return fmt.Errorf("mem: upload %s: %w", u.id, errSpent)
	}
	if err := check(ctx, "commit", key); err != nil {
		return err
	}
	u.d.mu.Lock()
	defer u.d.mu.Unlock()
	data, ok := u.d.uploads[u.id]
	if !ok {
		return fmt.Errorf("mem: upload %s: %w", u.id, storage.ErrNotFound)
	}
	u.spent = true
	delete(u.d.uploads, u.id)
	delete(u.d.held, u.id)
	// Cap the slice so that no later append can reach the stored value.
	u.d.set(key, data[:len(data):len(data)])
	return nil
}

// Cancel discards the staged data. It finishes even when ctx is done: it
// only releases memory.
func (u *upload) Cancel(context.Context) error {
	if u.spent {
		return fmt.Errorf("mem: upload %s: %w", u.id, errSpent)
	}
	u.spent = true
	u.d.mu.Lock()
	defer u.d.mu.Unlock()
	delete(u.d.uploads, u.id)
	delete(u.d.held, u.id)
	return nil
}
