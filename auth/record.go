package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pier-registry/pier/storage"
)

// maxRecord bounds what is read for one record, so that a corrupt or
// hostile value cannot exhaust memory.
const maxRecord = 1 << 20

// readRecord decodes the JSON record at key into v. storage.ErrNotFound
// passes through for callers to map.
func readRecord(ctx context.Context, d storage.Driver, key string, v any) error {
	b, err := readValue(ctx, d, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("auth: corrupt record %s: %w", key, err)
	}
	return nil
}

// readValue returns the bytes stored at key.
func readValue(ctx context.Context, d storage.Driver, key string) ([]byte, error) {
	rc, _, err := d.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxRecord+1))
	if err != nil {
		return nil, fmt.Errorf("auth: read %s: %w", key, err)
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("auth: record %s is larger than %d bytes", key, maxRecord)
	}
	return b, nil
}

// recordExists reports whether key is stored. A storage failure is an
// error wrapping errCheckFailed, never a "no": a check that could not be
// made must neither let a caller in nor refuse it as if its credential
// were bad.
func recordExists(ctx context.Context, d storage.Driver, key string) (bool, error) {
	_, err := d.Stat(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("auth: %w: looking up %s: %w", errCheckFailed, key, err)
}

// writeRecord stores v as JSON at key.
func writeRecord(ctx context.Context, d storage.Driver, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("auth: encode %s: %w", key, err)
	}
	if err := d.Put(ctx, key, b); err != nil {
		return fmt.Errorf("auth: write %s: %w", key, err)
	}
	return nil
}
