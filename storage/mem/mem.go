// Package mem is an in-memory storage.Driver, for unit tests of the packages
// above storage. It is safe for concurrent use, keeps its keys sorted, and
// holds uploads in memory. It accepts exactly the keys the fs driver
// accepts, so code tested over mem also runs on disk.
package mem

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/pier-registry/pier/storage"
)

// Driver is an in-memory storage.Driver. The zero value is not usable;
// call New.
type Driver struct {
	mu      sync.RWMutex
	keys    []string // sorted
	values  map[string]value
	uploads map[string][]byte
	held    map[string]bool // uploads a session holds
}

type value struct {
	data    []byte // never changed once stored
	modTime time.Time
}

// New returns an empty Driver.
func New() *Driver {
	return &Driver{values: map[string]value{}, uploads: map[string][]byte{}, held: map[string]bool{}}
}

var _ storage.Driver = (*Driver)(nil)

// Open returns a reader over the value of key.
func (d *Driver) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	v, err := d.get(ctx, "open", key)
	if err != nil {
		return nil, storage.Info{}, err
	}
	return reader{bytes.NewReader(v.data)}, info(key, v), nil
}

// Stat describes key.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Info, error) {
	v, err := d.get(ctx, "stat", key)
	if err != nil {
		return storage.Info{}, err
	}
	return info(key, v), nil
}

func (d *Driver) get(ctx context.Context, op, key string) (value, error) {
	if err := check(ctx, op, key); err != nil {
		return value{}, err
	}
	d.mu.RLock()
	v, ok := d.values[key]
	d.mu.RUnlock()
	if !ok {
		return value{}, fmt.Errorf("mem: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return v, nil
}

// Put stores a copy of data at key.
func (d *Driver) Put(ctx context.Context, key string, data []byte) error {
	if err := check(ctx, "put", key); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.set(key, bytes.Clone(data))
	return nil
}

// set stores data at key; d.mu must be held for writing.
func (d *Driver) set(key string, data []byte) {
	if data == nil {
		data = []byte{}
	}
	if _, ok := d.values[key]; !ok {
		i, _ := slices.BinarySearch(d.keys, key)
		d.keys = slices.Insert(d.keys, i, key)
	}
	d.values[key] = value{data: data, modTime: time.Now()}
}

// Delete removes key; a missing key is fine.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.values[key]; !ok {
		return nil
	}
	delete(d.values, key)
	i, _ := slices.BinarySearch(d.keys, key)
	d.keys = slices.Delete(d.keys, i, i+1)
	return nil
}

func check(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mem: %s %q: %w", op, key, err)
	}
	return checkKey(key)
}

func info(key string, v value) storage.Info {
	return storage.Info{Key: key, Size: int64(len(v.data)), ModTime: v.modTime}
}

// reader is a value's reader; closing it releases nothing.
type reader struct{ *bytes.Reader }

func (reader) Close() error { return nil }
