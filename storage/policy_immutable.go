package storage

import (
	"context"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// immutable returns the rule and pattern that make tag of repository name
// immutable; ok is false when none does.
func (s *Store) immutable(name, tag string) (rule *compiledRule, pattern string, ok bool) {
	rule = s.policies.ruleFor(name)
	if rule == nil {
		return nil, "", false
	}
	pattern, ok = matchTag(rule.immutable, tag)
	return rule, pattern, ok
}

// deniedTag is the error for a change an immutability rule forbids.
func (s *Store) deniedTag(name, tag, what string) error {
	rule, pattern, _ := s.immutable(name, tag)
	return fmt.Errorf("%w: tag %s:%s is immutable (policies[%d] protects tags %q in %v) and cannot be %s; push under a new tag",
		ErrDenied, name, tag, rule.index, pattern, rule.repoSrc, what)
}

// checkTagWrites refuses to move an existing immutable tag of repository
// name to a manifest other than d. Pushing the same manifest again is
// fine. Two first pushes of one immutable tag racing each other cannot be
// told apart without compare-and-swap: the later one wins.
func (s *Store) checkTagWrites(ctx context.Context, name string, d digest.Digest, tags []string) error {
	for _, tag := range tags {
		if _, _, ok := s.immutable(name, tag); !ok {
			continue
		}
		data, err := s.get(ctx, tagKey(name, tag))
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if string(data) != d.String() {
			return s.deniedTag(name, tag, "overwritten")
		}
	}
	return nil
}

// checkTagDelete refuses to delete an immutable tag.
func (s *Store) checkTagDelete(name, tag string) error {
	if _, _, ok := s.immutable(name, tag); ok {
		return s.deniedTag(name, tag, "deleted")
	}
	return nil
}

// checkManifestDelete refuses to delete manifest d of repository name when
// an immutable tag points at it (deleting a manifest deletes its tags).
func (s *Store) checkManifestDelete(ctx context.Context, name string, d digest.Digest) error {
	if s.policies.ruleFor(name) == nil {
		return nil
	}
	for tag, err := range s.tagsOf(ctx, name, d) {
		if err != nil {
			return err
		}
		if err := s.checkTagDelete(name, tag); err != nil {
			return err
		}
	}
	return nil
}
