package storage

import (
	"context"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// checkBlobRef checks blob d, which a manifest being pushed to repository
// name references. present reports that name links d and its content is
// stored; the blob is touched first, so that no collector takes it away
// before the manifest lands (gc.go). A blob the repository lacks is not an
// error (sparse manifests), unless a collector swept it from there
// recently: then the client believed it was present, and must push again.
func (s *Store) checkBlobRef(ctx context.Context, name string, d digest.Digest) (present bool, err error) {
	return s.checkRef(ctx, name, d, blobLinkKey(name, d), blobRepoKey(d, name))
}

// checkManifestRef is checkBlobRef for a manifest that an index being
// pushed to repository name lists.
func (s *Store) checkManifestRef(ctx context.Context, name string, d digest.Digest) (present bool, err error) {
	return s.checkRef(ctx, name, d, manifestKey(name, d), manifestRepoKey(d, name))
}

// checkRef is checkBlobRef for content that repository name links at
// linkKey, with its reverse link (the collector's touch mark) at repoKey.
func (s *Store) checkRef(ctx context.Context, name string, d digest.Digest, linkKey, repoKey string) (bool, error) {
	if _, err := s.d.Stat(ctx, linkKey); err != nil {
		if !isNotFound(err) {
			return false, err
		}
		return false, s.refuseSwept(ctx, name, d)
	}
	swept, err := s.rely(ctx, name, d, repoKey)
	if err != nil {
		return false, err
	}
	keys := []string{blobKey(d)}
	if swept {
		keys = append(keys, linkKey)
	}
	return true, s.mustExist(ctx, name, d, keys)
}

// relyOnManifest touches manifest d of repository name, whose record rec
// was just read, and reads the record again if a collector swept it.
func (s *Store) relyOnManifest(ctx context.Context, name string, d digest.Digest, rec *record) (*record, error) {
	swept, err := s.rely(ctx, name, d, manifestRepoKey(d, name))
	if err != nil || !swept {
		return rec, err
	}
	return s.manifestRecord(ctx, name, d)
}

// mustExist fails with ErrManifestBlobUnknown unless every key exists.
func (s *Store) mustExist(ctx context.Context, name string, d digest.Digest, keys []string) error {
	for _, key := range keys {
		if _, err := s.d.Stat(ctx, key); err != nil {
			if !isNotFound(err) {
				return err
			}
			return fmt.Errorf("%w: %s is no longer in %s (garbage collected while the push was in flight); push it again",
				ErrManifestBlobUnknown, d, name)
		}
	}
	return nil
}

// refuseSwept fails with ErrManifestBlobUnknown when a collector recently
// swept d out of repository name.
func (s *Store) refuseSwept(ctx context.Context, name string, d digest.Digest) error {
	swept, err := s.sweptRecently(ctx, name, d)
	if err != nil {
		return err
	}
	if swept {
		return fmt.Errorf("%w: %s was garbage collected from %s; push it again", ErrManifestBlobUnknown, d, name)
	}
	return nil
}

// ensureEmptyConfig stores the empty JSON config of artifacts in
// repository name when it is not there: it is known to everyone, so pier
// writes it itself when a client did not push it.
func (s *Store) ensureEmptyConfig(ctx context.Context, name string) error {
	d := v1.DescriptorEmptyJSON.Digest
	if _, err := s.rely(ctx, name, d, blobRepoKey(d, name)); err != nil {
		return err
	}
	if _, err := s.d.Stat(ctx, blobKey(d)); err != nil {
		if !isNotFound(err) {
			return err
		}
		if err := s.d.Put(ctx, blobKey(d), v1.DescriptorEmptyJSON.Data); err != nil {
			return err
		}
	}
	return s.linkTouched(ctx, name, d)
}
