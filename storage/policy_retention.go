package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
)

// tagState is a tag as garbage collection found it.
type tagState struct {
	target digest.Digest
	set    time.Time // when the tag was last pushed
}

// expiredTags returns, sorted, the tags of repository name that its
// retention rule removes at time now (see Retention).
func (s *Store) expiredTags(name string, tags map[string]tagState, now time.Time) []string {
	rule := s.policies.ruleFor(name)
	if rule == nil || rule.retention == nil {
		return nil
	}
	rt := rule.retention
	type candidate struct {
		tag string
		set time.Time
	}
	var cands []candidate
	for tag, st := range tags {
		if _, keep := matchTag(rt.Keep, tag); keep {
			continue
		}
		if _, _, immutable := s.immutable(name, tag); immutable {
			continue
		}
		cands = append(cands, candidate{tag, st.set})
	}
	// Newest first; ties broken by name so the outcome is stable.
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := b.set.Compare(a.set); c != 0 {
			return c
		}
		return cmp.Compare(a.tag, b.tag)
	})
	var out []string
	for i, c := range cands {
		if i < rt.KeepLast {
			continue
		}
		if rt.OlderThan > 0 && now.Sub(c.set) <= time.Duration(rt.OlderThan) {
			continue
		}
		out = append(out, c.tag)
	}
	slices.Sort(out)
	return out
}

// applyRetention removes the tags that retention rules expire, before the
// mark, so that the mark sees the outcome. A tag pushed again since the
// scan is left alone. Tags of repositories whose tags could not all be
// read are not touched.
func (c *collector) applyRetention(ctx context.Context, inv *inventory) error {
	names := make([]string, 0, len(inv.repos))
	for name := range inv.repos {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		r := inv.repos[name]
		if r.uncertain {
			continue
		}
		for _, tag := range c.s.expiredTags(name, r.tags, c.now) {
			if !c.o.DryRun {
				gone, err := c.expireTag(ctx, name, tag, r.tags[tag])
				if err != nil {
					return fmt.Errorf("garbage collection: retention: %w", err)
				}
				if !gone {
					continue
				}
			}
			delete(r.tags, tag)
			c.report.ExpiredTags = append(c.report.ExpiredTags, name+":"+tag)
		}
	}
	return nil
}

// expireTag deletes tag unless it was pushed again since st was read (the
// second's slack allows for stores that round modification times).
func (c *collector) expireTag(ctx context.Context, name, tag string, st tagState) (bool, error) {
	info, err := c.s.d.Stat(ctx, tagKey(name, tag))
	if isNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if info.ModTime.After(st.set.Add(time.Second)) {
		return false, nil
	}
	return true, c.s.d.Delete(ctx, tagKey(name, tag))
}
