package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// repoState is what one repository holds, as a scan found it.
type repoState struct {
	tags      map[string]tagState
	manifests map[digest.Digest]time.Time // record modification times
	links     map[digest.Digest]time.Time // blob link modification times
	referrers map[digest.Digest][]digest.Digest
	subjectOf map[digest.Digest]digest.Digest
	catalog   time.Time // when it entered the catalog; zero: not in it
	// uncertain repositories have something the mark could not read: none
	// of their links or manifests are swept.
	uncertain bool
}

// inventory is everything a scan found, one listing per key family.
type inventory struct {
	repos       map[string]*repoState
	content     map[digest.Digest]Info
	blobRev     map[digest.Digest]map[string]time.Time // _blobrepos
	manifestRev map[digest.Digest]map[string]time.Time // _manifestrepos
	tombstones  []Info
	uploads     []Info
	quarantine  []Info
	unknown     int // keys in pier's families that no rule explains; left alone
}

func (inv *inventory) repo(name string) *repoState {
	r := inv.repos[name]
	if r == nil {
		r = &repoState{tags: map[string]tagState{}, manifests: map[digest.Digest]time.Time{},
			links: map[digest.Digest]time.Time{}, referrers: map[digest.Digest][]digest.Digest{},
			subjectOf: map[digest.Digest]digest.Digest{}}
		inv.repos[name] = r
	}
	return r
}

// scan lists every key family of the registry once.
func (c *collector) scan(ctx context.Context) (*inventory, error) {
	inv := &inventory{repos: map[string]*repoState{}, content: map[digest.Digest]Info{},
		blobRev: map[digest.Digest]map[string]time.Time{}, manifestRev: map[digest.Digest]map[string]time.Time{}}
	families := []struct {
		prefix string
		add    func(Info) bool
	}{
		{catalogPrefix, inv.addCatalog},
		{reposPrefix, inv.addRepoKey},
		{blobsPrefix, inv.addContent},
		{blobReposPrefix, func(i Info) bool { return inv.addReverse(inv.blobRev, blobReposPrefix, i) }},
		{manifestReposPrefix, func(i Info) bool { return inv.addReverse(inv.manifestRev, manifestReposPrefix, i) }},
		{tombstonesPrefix, func(i Info) bool { inv.tombstones = append(inv.tombstones, i); return true }},
		{uploadsPrefix, func(i Info) bool { inv.uploads = append(inv.uploads, i); return true }},
		{quarantinePrefix, func(i Info) bool { inv.quarantine = append(inv.quarantine, i); return true }},
	}
	listed := 0
	for _, f := range families {
		for info, err := range c.s.d.List(ctx, f.prefix, "") {
			if err != nil {
				return nil, fmt.Errorf("garbage collection: listing %s: %w", f.prefix, err)
			}
			if !f.add(info) {
				inv.unknown++
			}
			if listed++; listed%1000 == 0 {
				c.progress("scan", listed, -1)
			}
		}
	}
	c.progress("scan", listed, listed)
	if inv.unknown > 0 {
		c.warn(fmt.Sprintf("%d keys of unknown shape were left alone", inv.unknown))
	}
	return inv, nil
}

func (inv *inventory) addCatalog(info Info) bool {
	name := trimmed(info.Key, catalogPrefix)
	if ValidName(name) != nil {
		return false
	}
	inv.repo(name).catalog = info.ModTime
	return true
}

// addRepoKey files a key under repositories/: a link, a manifest record, a
// tag or a referrer entry.
func (inv *inventory) addRepoKey(info Info) bool {
	rest := trimmed(info.Key, reposPrefix)
	i := strings.Index(rest, "/_")
	if i <= 0 || ValidName(rest[:i]) != nil {
		return false
	}
	r := inv.repo(rest[:i])
	kind, tail, ok := strings.Cut(rest[i+2:], "/")
	if !ok {
		return false
	}
	switch kind {
	case "tags":
		if ValidTag(tail) != nil {
			return false
		}
		r.tags[tail] = tagState{set: info.ModTime}
		return true
	case "referrers":
		return r.addReferrer(tail)
	}
	d, end, ok := digestAt(tail)
	if !ok || end != "" {
		return false
	}
	switch kind {
	case "blobs":
		r.links[d] = info.ModTime
	case "manifests":
		r.manifests[d] = info.ModTime
	default:
		return false
	}
	return true
}

// addReferrer files "<alg>/<subject-hex>/<alg>-<hex>".
func (r *repoState) addReferrer(tail string) bool {
	subject, end, ok := digestAt(tail)
	if !ok {
		return false
	}
	alg, hex, ok := strings.Cut(end, "-")
	if !ok {
		return false
	}
	d, err := ParseDigest(alg + ":" + hex)
	if err != nil {
		return false
	}
	r.referrers[subject] = append(r.referrers[subject], d)
	r.subjectOf[d] = subject
	return true
}

// addContent files "blobs/<alg>/<hh>/<hex>".
func (inv *inventory) addContent(info Info) bool {
	alg, rest, _ := strings.Cut(trimmed(info.Key, blobsPrefix), "/")
	hh, hex, _ := strings.Cut(rest, "/")
	d, err := ParseDigest(alg + ":" + hex)
	if err != nil || len(hex) < 2 || hh != hex[:2] {
		return false
	}
	inv.content[d] = info
	return true
}

// addReverse files "<prefix><alg>/<hex>/<name>" into m.
func (inv *inventory) addReverse(m map[digest.Digest]map[string]time.Time, prefix string, info Info) bool {
	d, name, ok := digestAt(trimmed(info.Key, prefix))
	if !ok || ValidName(name) != nil {
		return false
	}
	if m[d] == nil {
		m[d] = map[string]time.Time{}
	}
	m[d][name] = info.ModTime
	return true
}

// readTags reads where every tag points. A tag that cannot be understood
// makes its repository uncertain: what it pointed at is unknown.
func (c *collector) readTags(ctx context.Context, inv *inventory) error {
	type tagRef struct{ repo, tag string }
	var refs []tagRef
	for name, r := range inv.repos {
		for tag := range r.tags {
			refs = append(refs, tagRef{name, tag})
		}
	}
	targets := make([]digest.Digest, len(refs))
	errs := make([]error, len(refs))
	idx := make([]int, len(refs))
	for i := range idx {
		idx[i] = i
	}
	var done counter
	err := forEach(ctx, idx, func(ctx context.Context, i int) error {
		data, err := c.s.get(ctx, tagKey(refs[i].repo, refs[i].tag))
		switch {
		case isNotFound(err):
		case err != nil:
			return err
		default:
			targets[i], errs[i] = digest.Parse(string(data))
			if errs[i] == nil {
				errs[i] = targets[i].Validate()
			}
		}
		if n := done.add(); n%1000 == 0 {
			c.progress("tags", n, len(refs))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("garbage collection: reading tags: %w", err)
	}
	for i, ref := range refs {
		r := inv.repos[ref.repo]
		switch {
		case errs[i] != nil:
			r.uncertain = true
			c.warn(fmt.Sprintf("tag %s:%s is unreadable (%v): nothing of %s is collected", ref.repo, ref.tag, errs[i], ref.repo))
		case targets[i] == "":
			delete(r.tags, ref.tag) // deleted since the listing
		default:
			st := r.tags[ref.tag]
			st.target = targets[i]
			r.tags[ref.tag] = st
		}
	}
	c.progress("tags", len(refs), len(refs))
	return nil
}
