package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/opencontainers/go-digest"
)

// liveSet is what the roots reach.
type liveSet struct {
	manifests map[string]map[digest.Digest]bool // per repository
	blobs     map[string]map[digest.Digest]bool // per repository
	content   map[digest.Digest]bool            // anywhere
}

// manifestRefs is what a manifest points at.
type manifestRefs struct {
	blobs     []digest.Digest // config and layers
	manifests []digest.Digest // an index's manifests
}

// reach is a manifest of a repository that the mark has reached.
type reach struct {
	repo string
	d    digest.Digest
}

// mark walks from the roots of every repository, breadth first, reading
// each manifest's content once however many repositories hold it.
func (c *collector) mark(ctx context.Context, inv *inventory) (*liveSet, error) {
	live := &liveSet{manifests: map[string]map[digest.Digest]bool{},
		blobs: map[string]map[digest.Digest]bool{}, content: map[digest.Digest]bool{}}
	var frontier []reach
	for name, r := range inv.repos {
		live.manifests[name] = map[digest.Digest]bool{}
		live.blobs[name] = map[digest.Digest]bool{}
		for _, t := range r.tags {
			frontier = append(frontier, reach{name, t.target})
		}
		if !c.o.Untagged {
			for d := range r.manifests {
				frontier = append(frontier, reach{name, d})
			}
		}
	}
	refs := map[digest.Digest]*manifestRefs{}
	marked := 0
	for len(frontier) > 0 {
		visit, need := c.visit(inv, live, frontier, refs)
		if err := c.readRefs(ctx, need, refs); err != nil {
			return nil, err
		}
		frontier = nil
		for _, x := range visit {
			frontier = append(frontier, c.expand(inv.repos[x.repo], live, x, refs[x.d])...)
		}
		marked += len(visit)
		c.progress("mark", marked, -1)
	}
	return live, nil
}

// visit marks the manifests of frontier that their repository holds and
// that are not marked yet; need are the digests whose content is unread.
func (c *collector) visit(inv *inventory, live *liveSet, frontier []reach, refs map[digest.Digest]*manifestRefs) (visit []reach, need []digest.Digest) {
	seen := map[digest.Digest]bool{}
	for _, x := range frontier {
		if _, held := inv.repos[x.repo].manifests[x.d]; !held || live.manifests[x.repo][x.d] {
			continue // a sparse index's child, or visited
		}
		live.manifests[x.repo][x.d] = true
		live.content[x.d] = true
		visit = append(visit, x)
		if _, read := refs[x.d]; !read && !seen[x.d] {
			seen[x.d] = true
			need = append(need, x.d)
		}
	}
	return visit, need
}

// expand marks what manifest x points at and returns the manifests to
// visit next: an index's children and x's referrers.
func (c *collector) expand(r *repoState, live *liveSet, x reach, mr *manifestRefs) []reach {
	if mr == nil {
		r.uncertain = true // its blobs are unknown: keep everything
		return nil
	}
	for _, b := range mr.blobs {
		live.blobs[x.repo][b] = true
		live.content[b] = true
	}
	next := make([]reach, 0, len(mr.manifests)+len(r.referrers[x.d]))
	for _, m := range mr.manifests {
		next = append(next, reach{x.repo, m})
	}
	for _, m := range r.referrers[x.d] {
		next = append(next, reach{x.repo, m})
	}
	return next
}

// readRefs reads and parses the manifests need into refs. A manifest that
// cannot be read or parsed gets a nil entry and a warning.
func (c *collector) readRefs(ctx context.Context, need []digest.Digest, refs map[digest.Digest]*manifestRefs) error {
	var mu sync.Mutex
	err := forEach(ctx, need, func(ctx context.Context, d digest.Digest) error {
		data, err := c.s.get(ctx, blobKey(d))
		if err != nil && !isNotFound(err) {
			return err
		}
		var mr *manifestRefs
		if err == nil {
			mr, err = parseRefs(data)
		}
		mu.Lock()
		defer mu.Unlock()
		refs[d] = mr
		if mr == nil {
			c.warn(fmt.Sprintf("manifest %s cannot be read (%v): nothing of the repositories holding it is collected", d, err))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("garbage collection: reading manifests: %w", err)
	}
	return nil
}

// parseRefs extracts the digests a manifest's content points at. Layers
// marked foreign count too: a registry that holds one keeps it.
func parseRefs(data []byte) (*manifestRefs, error) {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	mr := &manifestRefs{}
	add := func(list *[]digest.Digest, d digest.Digest) {
		if d.Validate() == nil {
			*list = append(*list, d)
		}
	}
	if w.Config != nil {
		add(&mr.blobs, w.Config.Digest)
	}
	for _, l := range w.Layers {
		add(&mr.blobs, l.Digest)
	}
	for _, m := range w.Manifests {
		add(&mr.manifests, m.Digest)
	}
	return mr, nil
}
