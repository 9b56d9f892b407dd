package fs

import (
	"context"
	"os"
	"time"

	"github.com/pier-registry/pier/storage"
)

var _ storage.Toucher = (*Driver)(nil)

// Touch sets the modification time of key's file to now. One system call:
// nothing is written or synced, so the new time may be lost in a crash
// (storage.Toucher allows that).
func (d *Driver) Touch(ctx context.Context, key string) error {
	p, err := d.checked(ctx, "touch", key)
	if err != nil {
		return err
	}
	// The zero access time leaves it as it is.
	if err := os.Chtimes(p, time.Time{}, time.Now()); err != nil {
		return pathError("touch", key, err)
	}
	return nil
}
