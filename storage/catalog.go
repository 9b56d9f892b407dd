package storage

import (
	"context"
	"errors"
	"iter"
)

// touchRepository makes sure repository name is in the catalog. Most
// writes find it there already, so it reads before it writes.
func (s *Store) touchRepository(ctx context.Context, name string) error {
	_, err := s.d.Stat(ctx, catalogKey(name))
	if errors.Is(err, ErrNotFound) {
		return s.d.Put(ctx, catalogKey(name), nil)
	}
	return err
}

// RepositoryExists reports whether name is in the catalog.
func (s *Store) RepositoryExists(ctx context.Context, name string) (bool, error) {
	_, err := s.d.Stat(ctx, catalogKey(name))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Catalog lists up to n repository names after last, in byte order; more
// reports whether others follow. keep filters names (the caller's access);
// n < 0 means no limit.
func (s *Store) Catalog(ctx context.Context, last string, n int, keep func(string) bool) (names []string, more bool, err error) {
	return s.page(ctx, catalogPrefix, last, n, keep)
}

// page lists the keys under prefix after last, trimmed of prefix.
func (s *Store) page(ctx context.Context, prefix, last string, n int, keep func(string) bool) ([]string, bool, error) {
	out := []string{}
	for key, err := range s.listKeys(ctx, prefix, after(prefix, last)) {
		if err != nil {
			return nil, false, err
		}
		name := trimmed(key, prefix)
		if keep != nil && !keep(name) {
			continue
		}
		if n >= 0 && len(out) == n {
			return out, true, nil
		}
		out = append(out, name)
	}
	return out, false, nil
}

// listKeys lists keys without their sizes and times, through the driver's
// KeyLister when it has one: a tag or catalog page needs names only, and
// on the filesystem a stat per name was most of what a page cost.
func (s *Store) listKeys(ctx context.Context, prefix, startAfter string) iter.Seq2[string, error] {
	if kl, ok := s.d.(KeyLister); ok {
		return kl.ListKeys(ctx, prefix, startAfter)
	}
	return func(yield func(string, error) bool) {
		for info, err := range s.d.List(ctx, prefix, startAfter) {
			if !yield(info.Key, err) || err != nil {
				return
			}
		}
	}
}
