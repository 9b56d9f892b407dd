package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// storeRegistry works straight on a registry's storage. storage.Store keeps
// its write order safe for several processes, so it may run beside a
// `pier serve` on the same storage.
type storeRegistry struct{ s *storage.Store }

// NewStoreRegistry returns a Registry over s.
func NewStoreRegistry(s *storage.Store) Registry { return storeRegistry{s} }

func (r storeRegistry) Repositories(ctx context.Context) ([]string, error) {
	names, _, err := r.s.Catalog(ctx, "", -1, nil)
	return names, err
}

func (r storeRegistry) Tags(ctx context.Context, repo string) ([]string, error) {
	tags, _, err := r.s.Tags(ctx, repo, "", -1)
	return tags, storeErr(err)
}

func (r storeRegistry) Manifest(ctx context.Context, repo, ref string) (*Manifest, error) {
	m, err := r.s.GetManifest(ctx, repo, ref)
	if err != nil {
		return nil, storeErr(err)
	}
	out := &Manifest{Digest: m.Digest, MediaType: m.MediaType, Data: m.Data}
	if !storage.IsDigest(ref) {
		d, pushed, err := r.s.StatTag(ctx, repo, ref)
		// A tag moved in between: the time would belong to another manifest.
		if err == nil && d == m.Digest {
			out.Pushed = pushed
		}
	}
	return out, nil
}

func (r storeRegistry) HasManifest(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	_, _, err := r.s.StatManifest(ctx, repo, d.String())
	return exists(storeErr(err))
}

func (r storeRegistry) PutManifest(ctx context.Context, repo, ref, mediaType string, data []byte) error {
	_, err := r.s.PutManifest(ctx, repo, ref, mediaType, data, nil)
	return storeErr(err)
}

func (r storeRegistry) DeleteManifest(ctx context.Context, repo string, d digest.Digest) error {
	return storeErr(r.s.DeleteManifest(ctx, repo, d))
}

func (r storeRegistry) DeleteTag(ctx context.Context, repo, tag string) error {
	return storeErr(r.s.DeleteTag(ctx, repo, tag))
}

func (r storeRegistry) OpenBlob(ctx context.Context, repo string, d digest.Digest) (io.ReadCloser, int64, error) {
	rc, info, err := r.s.OpenBlob(ctx, repo, d)
	if err != nil {
		return nil, 0, storeErr(err)
	}
	return rc, info.Size, nil
}

func (r storeRegistry) HasBlob(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	_, err := r.s.StatBlob(ctx, repo, d)
	return exists(storeErr(err))
}

// MountBlob links content the storage already holds; with from "" it looks
// for any repository that holds d, so shared layers are stored once.
func (r storeRegistry) MountBlob(ctx context.Context, repo, from string, d digest.Digest) (bool, error) {
	if from == "" {
		for name, err := range r.s.BlobRepositories(ctx, d) {
			if err != nil {
				return false, err
			}
			if name != repo {
				from = name
				break
			}
		}
		if from == "" {
			return false, nil
		}
	}
	_, err := r.s.MountBlob(ctx, repo, from, d)
	return exists(storeErr(err))
}

func (r storeRegistry) PutBlob(ctx context.Context, repo string, desc v1.Descriptor, rd io.Reader) error {
	info, err := r.s.PutBlob(ctx, repo, rd, desc.Digest)
	if err != nil {
		return storeErr(err)
	}
	if info.Size != desc.Size {
		// Same digest, other size: only a descriptor can be this wrong.
		return fmt.Errorf("%w: blob %s has %d bytes, its descriptor says %d", ErrCorrupt, desc.Digest, info.Size, desc.Size)
	}
	return nil
}

func (r storeRegistry) DeleteBlob(ctx context.Context, repo string, d digest.Digest) error {
	return storeErr(r.s.DeleteBlob(ctx, repo, d))
}

// storeErr marks the storage's "unknown" errors as ErrNotFound and digest
// mismatches as ErrCorrupt, keeping their text.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrBlobUnknown), errors.Is(err, storage.ErrManifestUnknown),
		errors.Is(err, storage.ErrNameUnknown):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, storage.ErrDigestInvalid):
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

// exists turns ErrNotFound into false.
func exists(err error) (bool, error) {
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
