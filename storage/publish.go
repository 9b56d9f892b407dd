package storage

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/opencontainers/go-digest"
)

// publish checks what up holds against want and, when it matches, makes it
// blob want of repository name. Content lands under blobs/ only verified.
// On a mismatch the upload is cancelled and ErrDigestInvalid returned.
func (s *Store) publish(ctx context.Context, name string, up Upload, st *uploadState, h hash.Hash, want digest.Digest) (BlobInfo, error) {
	if want.Algorithm() != st.Algorithm {
		if st.Declared {
			return BlobInfo{}, errors.Join(
				fmt.Errorf("%w: upload declared %s, digest is %s", ErrDigestInvalid, st.Algorithm, want),
				up.Cancel(ctx))
		}
		return s.publishRehashed(ctx, name, up, st, want)
	}
	got := digest.NewDigest(st.Algorithm, h)
	if got != want {
		return BlobInfo{}, errors.Join(
			fmt.Errorf("%w: content is %s, not %s", ErrDigestInvalid, got, want),
			up.Cancel(ctx))
	}
	if err := s.commit(ctx, name, up, want); err != nil {
		return BlobInfo{}, err
	}
	return BlobInfo{Digest: want, Size: st.Size}, s.linkTouched(ctx, name, want)
}

// commit publishes up at want's content key, unless that content is already
// there (then the staged copy is dropped: same digest, same bytes). It
// touches the blob for repository name first and waits out a collector
// sweeping it, so the content it finds stays (gc.go).
func (s *Store) commit(ctx context.Context, name string, up Upload, want digest.Digest) error {
	if _, err := s.rely(ctx, name, want, blobRepoKey(want, name)); err != nil {
		return errors.Join(err, up.Cancel(ctx))
	}
	if _, err := s.d.Stat(ctx, blobKey(want)); err == nil {
		return up.Cancel(ctx)
	}
	return up.Commit(ctx, blobKey(want))
}

// publishRehashed is the slow path for a client that finishes with an
// algorithm it did not declare when it started (the spec only says SHOULD
// declare it, and sha256 is hashed by default). The staged bytes are
// published to a quarantine key that no reader looks at, hashed once with
// the wanted algorithm, and copied to the content key only when they match.
func (s *Store) publishRehashed(ctx context.Context, name string, up Upload, st *uploadState, want digest.Digest) (BlobInfo, error) {
	q := quarantineKey(up.ID())
	if err := up.Commit(ctx, q); err != nil {
		return BlobInfo{}, err
	}
	defer s.d.Delete(context.WithoutCancel(ctx), q)
	r, _, err := s.d.Open(ctx, q)
	if err != nil {
		return BlobInfo{}, err
	}
	defer r.Close()
	h := newHash(want.Algorithm())
	if _, err := io.Copy(h, r); err != nil {
		return BlobInfo{}, err
	}
	if got := digest.NewDigest(want.Algorithm(), h); got != want {
		return BlobInfo{}, fmt.Errorf("%w: content is %s, not %s", ErrDigestInvalid, got, want)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return BlobInfo{}, err
	}
	cp, err := s.d.Upload(ctx, "")
	if err != nil {
		return BlobInfo{}, err
	}
	if _, err := io.Copy(cp, r); err != nil {
		return BlobInfo{}, errors.Join(err, cp.Cancel(ctx))
	}
	if err := s.commit(ctx, name, cp, want); err != nil {
		return BlobInfo{}, err
	}
	return BlobInfo{Digest: want, Size: st.Size}, s.linkTouched(ctx, name, want)
}
