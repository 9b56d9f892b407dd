package auth

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// backendAddr is in every error failDriver makes, as the S3 driver's
// errors name the endpoint and bucket: no client may ever see it.
const backendAddr = "s3.internal.example:9000/pier-bucket"

// failDriver is storage/mem that fails like the S3 driver with S3 down:
// while a prefix is down, every call on a key under it returns an error
// wrapping storage.ErrUnavailable.
type failDriver struct {
	*mem.Driver
	mu   sync.Mutex
	down []string // prefixes that fail; "" fails everything
}

// setDown makes the keys under prefixes fail; none brings storage back.
func (d *failDriver) setDown(prefixes ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = prefixes
}

// fails returns the error for op on key, or nil while key's prefix is up.
func (d *failDriver) fails(op, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.down {
		if strings.HasPrefix(key, p) {
			return fmt.Errorf("s3: %s %q at %s: connection refused: %w", op, key, backendAddr, storage.ErrUnavailable)
		}
	}
	return nil
}

func (d *failDriver) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	if err := d.fails("open", key); err != nil {
		return nil, storage.Info{}, err
	}
	return d.Driver.Open(ctx, key)
}

func (d *failDriver) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := d.fails("stat", key); err != nil {
		return storage.Info{}, err
	}
	return d.Driver.Stat(ctx, key)
}

func (d *failDriver) Put(ctx context.Context, key string, data []byte) error {
	if err := d.fails("put", key); err != nil {
		return err
	}
	return d.Driver.Put(ctx, key, data)
}

func (d *failDriver) Delete(ctx context.Context, key string) error {
	if err := d.fails("delete", key); err != nil {
		return err
	}
	return d.Driver.Delete(ctx, key)
}

func (d *failDriver) List(ctx context.Context, prefix, startAfter string) iter.Seq2[storage.Info, error] {
	if err := d.fails("list", prefix); err != nil {
		return func(yield func(storage.Info, error) bool) { yield(storage.Info{}, err) }
	}
	return d.Driver.List(ctx, prefix, startAfter)
}

func (d *failDriver) Upload(ctx context.Context, id string) (storage.Upload, error) {
	if err := d.fails("upload", "_uploads/"+id); err != nil {
		return nil, err
	}
	return d.Driver.Upload(ctx, id)
}
