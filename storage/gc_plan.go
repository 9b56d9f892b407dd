package storage

import (
	"cmp"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
)

// partKind says whether a repository holds a digest as a blob or as a
// manifest.
type partKind int

const (
	partLink     partKind = iota // repositories/<name>/_blobs + _blobrepos
	partManifest                 // repositories/<name>/_manifests + _manifestrepos (+ referrer entry)
)

// sweepPart is one repository's hold on a digest, to be removed.
type sweepPart struct {
	repo    string
	kind    partKind
	subject digest.Digest // a manifest's subject in the same repository, or ""
}

// sweepUnit is everything a run removes of one digest: some repositories'
// holds on it and, when nothing else holds it, its content.
type sweepUnit struct {
	d       digest.Digest
	parts   []sweepPart
	content bool
	size    int64
	depth   int // referrer chains: a referrer is swept after its subject
}

// plan turns the scan and the mark into the units to sweep.
func (c *collector) plan(inv *inventory, live *liveSet) []*sweepUnit {
	units := map[digest.Digest]*sweepUnit{}
	holders := map[digest.Digest]int{} // (repository, kind) pairs holding each digest
	consider := func(name string, d digest.Digest, kind partKind, fwd, rev time.Time, isLive bool) {
		holders[d]++
		r := inv.repos[name]
		if isLive || (r != nil && r.uncertain) || !newest(fwd, rev).Before(c.cutoff) {
			return
		}
		u := units[d]
		if u == nil {
			u = &sweepUnit{d: d}
			units[d] = u
		}
		p := sweepPart{repo: name, kind: kind}
		if kind == partManifest && r != nil {
			p.subject = r.subjectOf[d]
		}
		u.parts = append(u.parts, p)
	}
	for name, r := range inv.repos {
		for d, t := range r.links {
			consider(name, d, partLink, t, inv.blobRev[d][name], live.blobs[name][d])
		}
		for d, t := range r.manifests {
			consider(name, d, partManifest, t, inv.manifestRev[d][name], live.manifests[name][d])
		}
	}
	// Reverse links whose repository has no link or record: leftovers of
	// deletes, or touches of an operation in flight (fresh, so kept).
	for _, rev := range []struct {
		m    map[digest.Digest]map[string]time.Time
		kind partKind
	}{{inv.blobRev, partLink}, {inv.manifestRev, partManifest}} {
		for d, byRepo := range rev.m {
			for name, t := range byRepo {
				if !inv.holds(name, d, rev.kind) {
					consider(name, d, rev.kind, time.Time{}, t, false)
				}
			}
		}
	}
	for d, info := range inv.content {
		if live.content[d] || !info.ModTime.Before(c.cutoff) || holders[d] != len(units[d].partsOrNil()) {
			continue
		}
		u := units[d]
		if u == nil {
			u = &sweepUnit{d: d}
			units[d] = u
		}
		u.content, u.size = true, info.Size
	}
	return orderUnits(units)
}

// holds reports whether repository name has a link or record of d.
func (inv *inventory) holds(name string, d digest.Digest, kind partKind) bool {
	r := inv.repos[name]
	if r == nil {
		return false
	}
	if kind == partLink {
		_, ok := r.links[d]
		return ok
	}
	_, ok := r.manifests[d]
	return ok
}

func (u *sweepUnit) partsOrNil() []sweepPart {
	if u == nil {
		return nil
	}
	return u.parts
}

func newest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// orderUnits sets each unit's depth, the length of the chain of swept
// subjects below its manifests, and sorts by depth, then digest.
func orderUnits(units map[digest.Digest]*sweepUnit) []*sweepUnit {
	swept := map[reach]bool{}
	for _, u := range units {
		for _, p := range u.parts {
			if p.kind == partManifest {
				swept[reach{p.repo, u.d}] = true
			}
		}
	}
	subjects := map[reach]digest.Digest{}
	for _, u := range units {
		for _, p := range u.parts {
			if p.kind == partManifest && p.subject != "" {
				subjects[reach{p.repo, u.d}] = p.subject
			}
		}
	}
	depth := func(x reach) int {
		n := 0
		// Chains end: a manifest's digest covers its subject's. The bound
		// only guards against a corrupt referrers index.
		for s, ok := subjects[x]; ok && swept[reach{x.repo, s}] && n <= len(subjects); s, ok = subjects[x] {
			x = reach{x.repo, s}
			n++
		}
		return n
	}
	out := make([]*sweepUnit, 0, len(units))
	for _, u := range units {
		for _, p := range u.parts {
			if p.kind == partManifest {
				u.depth = max(u.depth, depth(reach{p.repo, u.d}))
			}
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *sweepUnit) int {
		if a.depth != b.depth {
			return cmp.Compare(a.depth, b.depth)
		}
		return cmp.Compare(a.d, b.d)
	})
	return out
}
