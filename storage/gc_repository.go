package storage

import (
	"context"
	"fmt"
	"strings"
)

// DeleteRepository removes repository name: its tags first, then its
// referrer entries, manifests and blob links, then its catalog entry. The
// content stays until garbage collection finds that nothing else holds it.
// ErrNameUnknown if there is no such repository; ErrDenied, before
// anything is deleted, if a policy makes one of its tags immutable.
// Nested repositories ("name/sub") are not touched.
func (s *Store) DeleteRepository(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	byKind := map[string][]string{}
	prefix := repoContentPrefix(name)
	for info, err := range s.d.List(ctx, prefix, "") {
		if err != nil {
			return err
		}
		kind, _, _ := strings.Cut(trimmed(info.Key, prefix), "/")
		byKind[kind] = append(byKind[kind], info.Key)
	}
	inCatalog, err := s.RepositoryExists(ctx, name)
	if err != nil {
		return err
	}
	if len(byKind) == 0 && !inCatalog {
		return fmt.Errorf("%w: %s", ErrNameUnknown, name)
	}
	for _, key := range byKind["tags"] {
		if err := s.checkTagDelete(name, trimmed(key, tagsPrefix(name))); err != nil {
			return err
		}
	}
	for _, kind := range []string{"tags", "referrers", "manifests", "blobs"} {
		for _, key := range byKind[kind] {
			if err := s.deleteRepoKey(ctx, name, kind, key); err != nil {
				return fmt.Errorf("deleting repository %s: %w", name, err)
			}
		}
	}
	if _, err := s.dropFromCatalog(ctx, name); err != nil {
		return fmt.Errorf("deleting repository %s: %w", name, err)
	}
	return nil
}

// deleteRepoKey deletes one key of repository name and, for manifests and
// links, the reverse link that goes with it.
func (s *Store) deleteRepoKey(ctx context.Context, name, kind, key string) error {
	if err := s.d.Delete(ctx, key); err != nil {
		return err
	}
	if kind != "manifests" && kind != "blobs" {
		return nil
	}
	d, _, ok := digestAt(trimmed(key, repoContentPrefix(name)+kind+"/"))
	if !ok {
		return nil
	}
	if kind == "manifests" {
		return s.d.Delete(ctx, manifestRepoKey(d, name))
	}
	return s.d.Delete(ctx, blobRepoKey(d, name))
}
