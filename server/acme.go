package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/pier-registry/pier/storage"
)

// acmeManager returns the autocert manager for c. It keeps the ACME account
// and the certificates in the registry's own storage, so that replicas
// sharing a bucket share them too, and a new replica does not ask the CA
// for yet another certificate.
func acmeManager(c ACMEConfig, d storage.Driver) *autocert.Manager {
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(c.Hosts...),
		Cache:      driverCache{d},
		Email:      c.Email,
	}
	if c.DirectoryURL != "" {
		m.Client = &acme.Client{DirectoryURL: c.DirectoryURL}
	}
	return m
}

// acmePrefix holds the ACME cache in the storage, beside the registry's
// data (see storage/paths.go for the rest of the layout).
const acmePrefix = "_acme/"

// maxACMEEntry bounds what is read back: a certificate chain with its key
// is a few KiB.
const maxACMEEntry = 1 << 20

// driverCache is an autocert.Cache over a storage.Driver.
type driverCache struct{ d storage.Driver }

// key encodes name, since autocert's names ("example.com+rsa") need not
// make valid storage keys.
func (driverCache) key(name string) string {
	return acmePrefix + base64.RawURLEncoding.EncodeToString([]byte(name))
}

func (c driverCache) Get(ctx context.Context, name string) ([]byte, error) {
	r, _, err := c.d.Open(ctx, c.key(name))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, autocert.ErrCacheMiss
	}
	if err != nil {
		return nil, fmt.Errorf("acme cache: %w", err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxACMEEntry+1))
	if err != nil {
		return nil, fmt.Errorf("acme cache: %w", err)
	}
	if len(data) > maxACMEEntry {
		return nil, fmt.Errorf("acme cache: entry %q is larger than %d bytes", name, maxACMEEntry)
	}
	return data, nil
}

func (c driverCache) Put(ctx context.Context, name string, data []byte) error {
	return c.d.Put(ctx, c.key(name), data)
}

func (c driverCache) Delete(ctx context.Context, name string) error {
	return c.d.Delete(ctx, c.key(name))
}
