package storage

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/opencontainers/go-digest"
)

// Tags lists up to n tags of repository name after last, in byte order
// (the spec's "ASCIIbetical"); more reports whether others follow. n < 0
// means no limit. ErrNameUnknown when the repository does not exist.
func (s *Store) Tags(ctx context.Context, name, last string, n int) (tags []string, more bool, err error) {
	ok, err := s.RepositoryExists(ctx, name)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fmt.Errorf("%w: %s", ErrNameUnknown, name)
	}
	return s.page(ctx, tagsPrefix(name), last, n, nil)
}

// StatTag returns the digest tag of repository name points at and when the
// tag was last set: ErrManifestUnknown when there is no such tag.
func (s *Store) StatTag(ctx context.Context, name, tag string) (digest.Digest, time.Time, error) {
	if err := ValidTag(tag); err != nil {
		return "", time.Time{}, err
	}
	info, err := s.d.Stat(ctx, tagKey(name, tag))
	if err != nil {
		return "", time.Time{}, notFound(err, ErrManifestUnknown, name+":"+tag)
	}
	d, err := s.Resolve(ctx, name, tag)
	return d, info.ModTime, err
}

// DeleteTag removes tag from repository name; the manifest stays.
func (s *Store) DeleteTag(ctx context.Context, name, tag string) error {
	if err := ValidTag(tag); err != nil {
		return err
	}
	if _, err := s.d.Stat(ctx, tagKey(name, tag)); err != nil {
		return notFound(err, ErrManifestUnknown, name+":"+tag)
	}
	if err := s.checkTagDelete(name, tag); err != nil {
		return err
	}
	return s.d.Delete(ctx, tagKey(name, tag))
}

// tagsOf yields the tags of repository name that point at d. It reads every
// tag of the repository: deleting a manifest by digest is rare enough.
func (s *Store) tagsOf(ctx context.Context, name string, d digest.Digest) iter.Seq2[string, error] {
	prefix := tagsPrefix(name)
	return func(yield func(string, error) bool) {
		for info, err := range s.d.List(ctx, prefix, "") {
			if err != nil {
				yield("", err)
				return
			}
			data, err := s.get(ctx, info.Key)
			if err != nil && !isNotFound(err) {
				yield("", err)
				return
			}
			if string(data) == d.String() && !yield(trimmed(info.Key, prefix), nil) {
				return
			}
		}
	}
}
