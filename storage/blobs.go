package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/opencontainers/go-digest"
)

// BlobInfo describes a blob that a repository holds.
type BlobInfo struct {
	Digest  digest.Digest
	Size    int64
	ModTime time.Time
}

// StatBlob describes blob d of repository name: ErrBlobUnknown if the
// repository does not link it. Never reads or re-hashes the content.
// A client that finds the blob may skip uploading it, so a found blob is
// touched and a blob being garbage collected is reported missing (gc.go).
func (s *Store) StatBlob(ctx context.Context, name string, d digest.Digest) (BlobInfo, error) {
	if _, err := s.d.Stat(ctx, blobLinkKey(name, d)); err != nil {
		return BlobInfo{}, notFound(err, ErrBlobUnknown, d)
	}
	swept, err := s.rely(ctx, name, d, blobRepoKey(d, name))
	if err != nil {
		return BlobInfo{}, err
	}
	if swept {
		if _, err := s.d.Stat(ctx, blobLinkKey(name, d)); err != nil {
			return BlobInfo{}, notFound(err, ErrBlobUnknown, d)
		}
	}
	info, err := s.d.Stat(ctx, blobKey(d))
	if err != nil {
		return BlobInfo{}, notFound(err, ErrBlobUnknown, d)
	}
	return BlobInfo{Digest: d, Size: info.Size, ModTime: info.ModTime}, nil
}

// OpenBlob opens blob d of repository name for reading. The reader is the
// driver's own (an *os.File on the filesystem, so pulls use sendfile).
func (s *Store) OpenBlob(ctx context.Context, name string, d digest.Digest) (io.ReadSeekCloser, BlobInfo, error) {
	if _, err := s.d.Stat(ctx, blobLinkKey(name, d)); err != nil {
		return nil, BlobInfo{}, notFound(err, ErrBlobUnknown, d)
	}
	r, info, err := s.d.Open(ctx, blobKey(d))
	if err != nil {
		return nil, BlobInfo{}, notFound(err, ErrBlobUnknown, d)
	}
	return r, BlobInfo{Digest: d, Size: info.Size, ModTime: info.ModTime}, nil
}

// BlobURL returns a direct, time-limited URL for blob d when the driver can
// hand one out; ok is false otherwise. The caller must have checked the blob
// with StatBlob.
func (s *Store) BlobURL(ctx context.Context, d digest.Digest, expiry time.Duration) (url string, ok bool, err error) {
	r, isRedirector := s.d.(Redirector)
	if !isRedirector {
		return "", false, nil
	}
	url, err = r.RedirectURL(ctx, blobKey(d), expiry)
	return url, err == nil, err
}

// DeleteBlob removes blob d from repository name. The content stays until
// garbage collection finds nothing else uses it.
func (s *Store) DeleteBlob(ctx context.Context, name string, d digest.Digest) error {
	if _, err := s.d.Stat(ctx, blobLinkKey(name, d)); err != nil {
		return notFound(err, ErrBlobUnknown, d)
	}
	if err := s.d.Delete(ctx, blobLinkKey(name, d)); err != nil {
		return err
	}
	return s.d.Delete(ctx, blobRepoKey(d, name))
}

// MountBlob makes blob d, held by repository from, visible in repository
// name without moving any content. ErrBlobUnknown if from does not hold it.
func (s *Store) MountBlob(ctx context.Context, name, from string, d digest.Digest) (BlobInfo, error) {
	info, err := s.StatBlob(ctx, from, d)
	if err != nil {
		return BlobInfo{}, err
	}
	return info, s.link(ctx, name, d)
}

// BlobRepositories yields the repositories that hold blob d, in byte order.
func (s *Store) BlobRepositories(ctx context.Context, d digest.Digest) iter.Seq2[string, error] {
	prefix := blobReposPrefixFor(d)
	return func(yield func(string, error) bool) {
		for info, err := range s.d.List(ctx, prefix, "") {
			if !yield(trimmed(info.Key, prefix), err) || err != nil {
				return
			}
		}
	}
}

// link records that repository name holds blob d, whose content must be
// stored: the reverse link first (a touch, see gc.go), then the link, then
// the catalog entry, so that whatever a reader finds through the link is
// backed by the rest. ErrBlobUnknown if the content is gone.
func (s *Store) link(ctx context.Context, name string, d digest.Digest) error {
	if _, err := s.rely(ctx, name, d, blobRepoKey(d, name)); err != nil {
		return err
	}
	if _, err := s.d.Stat(ctx, blobKey(d)); err != nil {
		return notFound(err, ErrBlobUnknown, d)
	}
	return s.linkTouched(ctx, name, d)
}

// linkTouched writes the link and the catalog entry of a blob whose
// reverse link rely has just written.
func (s *Store) linkTouched(ctx context.Context, name string, d digest.Digest) error {
	if err := s.d.Put(ctx, blobLinkKey(name, d), nil); err != nil {
		return fmt.Errorf("linking %s into %s: %w", d, name, err)
	}
	return s.touchRepository(ctx, name)
}

// notFound turns the driver's ErrNotFound into the registry error want,
// naming what was missing; other errors pass through.
func notFound(err, want error, what any) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %v", want, what)
	}
	return err
}

// CanRedirect reports whether blob reads may be sent to the driver's own
// URLs: the driver is a Redirector and has redirects switched on.
func (s *Store) CanRedirect() bool {
	r, ok := s.d.(Redirector)
	return ok && r.Redirects()
}
