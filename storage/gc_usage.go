package storage

import (
	"cmp"
	"context"
	"slices"

	"github.com/opencontainers/go-digest"
)

// RepoUsage is the storage one repository uses.
type RepoUsage struct {
	Name        string
	Blobs       int   // distinct digests it holds (blobs and manifests)
	Bytes       int64 // their size
	SharedBlobs int   // of those, the ones other repositories hold too
	SharedBytes int64
	// SharedWith lists, for the repository Usage was asked about, the
	// other repositories holding some of its content, most bytes first.
	SharedWith []Share
}

// Share is content one repository holds in common with another.
type Share struct {
	Repo  string
	Blobs int
	Bytes int64
}

// Usage is the storage used by the registry: per repository, and in all
// with each content counted once however many repositories hold it.
type Usage struct {
	Repositories []RepoUsage // by name
	Blobs        int
	Bytes        int64
	// Unreferenced is content no repository holds (garbage, or an upload
	// finishing).
	UnreferencedBlobs int
	UnreferencedBytes int64
}

// Usage measures the storage. With focus set, only that repository is
// reported, with what it shares with which others.
func (s *Store) Usage(ctx context.Context, focus string) (*Usage, error) {
	c := &collector{s: s, o: GCOptions{DryRun: true}, report: &GCReport{}}
	inv, err := c.scan(ctx)
	if err != nil {
		return nil, err
	}
	holders := map[digest.Digest][]string{}
	for name, r := range inv.repos {
		for d := range r.digests() {
			holders[d] = append(holders[d], name)
		}
	}
	u := &Usage{}
	for d, info := range inv.content {
		if len(holders[d]) == 0 {
			u.UnreferencedBlobs++
			u.UnreferencedBytes += info.Size
			continue
		}
		u.Blobs++
		u.Bytes += info.Size
	}
	for name, r := range inv.repos {
		if focus != "" && name != focus {
			continue
		}
		u.Repositories = append(u.Repositories, repoUsage(name, r, inv, holders, focus != ""))
	}
	slices.SortFunc(u.Repositories, func(a, b RepoUsage) int { return cmp.Compare(a.Name, b.Name) })
	return u, nil
}

// digests yields every digest the repository holds, once.
func (r *repoState) digests() map[digest.Digest]bool {
	out := make(map[digest.Digest]bool, len(r.links)+len(r.manifests))
	for d := range r.links {
		out[d] = true
	}
	for d := range r.manifests {
		out[d] = true
	}
	return out
}

func repoUsage(name string, r *repoState, inv *inventory, holders map[digest.Digest][]string, withShares bool) RepoUsage {
	ru := RepoUsage{Name: name}
	shares := map[string]*Share{}
	for d := range r.digests() {
		info, stored := inv.content[d]
		if !stored {
			continue
		}
		ru.Blobs++
		ru.Bytes += info.Size
		if len(holders[d]) < 2 {
			continue
		}
		ru.SharedBlobs++
		ru.SharedBytes += info.Size
		for _, other := range holders[d] {
			if other == name || !withShares {
				continue
			}
			sh := shares[other]
			if sh == nil {
				sh = &Share{Repo: other}
				shares[other] = sh
			}
			sh.Blobs++
			sh.Bytes += info.Size
		}
	}
	for _, sh := range shares {
		ru.SharedWith = append(ru.SharedWith, *sh)
	}
	slices.SortFunc(ru.SharedWith, func(a, b Share) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return cmp.Compare(a.Repo, b.Repo)
	})
	return ru
}
