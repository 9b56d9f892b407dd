package storage

import (
	"context"
	"fmt"
	"slices"
)

// pruneCatalog removes from the catalog the repositories that the run left
// empty (or found empty), once their catalog entry is older than the grace
// period.
func (c *collector) pruneCatalog(ctx context.Context, inv *inventory, units []*sweepUnit) error {
	removed := map[string]int{} // links and records of each repository the sweep removes
	for _, u := range units {
		for _, p := range u.parts {
			removed[p.repo]++
		}
	}
	var names []string
	for name, r := range inv.repos {
		if r.catalog.IsZero() || c.fresh(r.catalog) || r.uncertain || len(r.tags) > 0 ||
			len(r.links)+len(r.manifests) > removed[name] {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if c.o.DryRun {
			c.report.Catalog++
			continue
		}
		dropped, err := c.s.dropFromCatalog(ctx, name)
		if err != nil {
			return fmt.Errorf("garbage collection: catalog: %w", err)
		}
		if dropped {
			c.report.Catalog++
		}
	}
	return nil
}

// dropFromCatalog removes repository name from the catalog if it holds
// nothing, and reports whether it did. A push writes its keys in the
// repository before it checks the catalog entry, and this reads the
// repository again after deleting the entry: either it sees the push's
// keys and puts the entry back, or the push sees the entry gone and writes
// it again.
func (s *Store) dropFromCatalog(ctx context.Context, name string) (bool, error) {
	if empty, err := s.repoEmpty(ctx, name); err != nil || !empty {
		return false, err
	}
	if err := s.d.Delete(ctx, catalogKey(name)); err != nil {
		return false, err
	}
	empty, err := s.repoEmpty(ctx, name)
	if err == nil && empty {
		return true, nil
	}
	// Something arrived, or we cannot tell: the entry goes back.
	if perr := s.d.Put(ctx, catalogKey(name), nil); perr != nil {
		return false, fmt.Errorf("restoring catalog entry of %s: %w", name, perr)
	}
	return false, err
}

// repoEmpty reports whether repository name holds no tag, manifest,
// referrer or link.
func (s *Store) repoEmpty(ctx context.Context, name string) (bool, error) {
	for _, err := range s.d.List(ctx, repoContentPrefix(name), "") {
		return false, err
	}
	return true, nil
}

// pruneTombstones removes tombstones older than tombstoneLife, collected or
// abandoned alike.
func (c *collector) pruneTombstones(ctx context.Context, inv *inventory) error {
	before := c.now.Add(-c.s.timing().tombstoneLife)
	for _, info := range inv.tombstones {
		if !info.ModTime.Before(before) {
			continue
		}
		if !c.o.DryRun {
			if err := c.s.d.Delete(ctx, info.Key); err != nil {
				return fmt.Errorf("garbage collection: tombstones: %w", err)
			}
		}
		c.report.Tombstones++
	}
	return nil
}
