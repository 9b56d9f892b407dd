package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Manifest is a stored manifest, byte for byte as it was pushed.
type Manifest struct {
	Digest    digest.Digest
	MediaType string
	Data      []byte
}

// PutResult is what a manifest push did.
type PutResult struct {
	Digest   digest.Digest
	Subject  digest.Digest // "" when the manifest has no subject
	Tags     []string      // tags that now point at Digest
	Warnings []string      // content accepted but missing (sparse manifests)
}

// record is the manifest record at repositories/<name>/_manifests/<alg>/<hex>.
type record struct {
	MediaType string        `json:"mediaType"`
	Size      int64         `json:"size"`
	Subject   digest.Digest `json:"subject,omitempty"`
}

// GetManifest returns the manifest ref (a tag or a digest) of repository
// name. Data may be shared with other callers: it must not be modified.
func (s *Store) GetManifest(ctx context.Context, name, ref string) (*Manifest, error) {
	d, err := s.Resolve(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	// The record says the repository holds the manifest, and its type.
	rec, err := s.manifestRecord(ctx, name, d)
	if err != nil {
		return nil, err
	}
	data, ok := s.manifests.get(d)
	if !ok {
		if data, err = s.get(ctx, blobKey(d)); err != nil {
			return nil, notFound(err, ErrManifestUnknown, d)
		}
		s.manifests.add(d, data)
	}
	return &Manifest{Digest: d, MediaType: rec.MediaType, Data: data}, nil
}

// StatManifest describes the manifest ref of repository name without
// reading it: Data is nil, Size comes from the record. Found by digest, it
// is touched, as a client pushing an index may skip a child it finds
// (gc_refcheck.go).
func (s *Store) StatManifest(ctx context.Context, name, ref string) (*Manifest, int64, error) {
	d, err := s.Resolve(ctx, name, ref)
	if err != nil {
		return nil, 0, err
	}
	rec, err := s.manifestRecord(ctx, name, d)
	if err != nil {
		return nil, 0, err
	}
	if IsDigest(ref) {
		if rec, err = s.relyOnManifest(ctx, name, d, rec); err != nil {
			return nil, 0, err
		}
	}
	return &Manifest{Digest: d, MediaType: rec.MediaType}, rec.Size, nil
}

// Resolve turns ref (a tag or a digest) of repository name into a digest.
// It does not check that a manifest with that digest exists.
func (s *Store) Resolve(ctx context.Context, name, ref string) (digest.Digest, error) {
	if IsDigest(ref) {
		return ParseDigest(ref)
	}
	if err := ValidTag(ref); err != nil {
		return "", err
	}
	data, err := s.get(ctx, tagKey(name, ref))
	if err != nil {
		return "", notFound(err, ErrManifestUnknown, name+":"+ref)
	}
	d, err := digest.Parse(string(data))
	if err != nil {
		return "", fmt.Errorf("tag %s:%s holds %q: %w", name, ref, data, err)
	}
	return d, nil
}

// sameRecord reports whether the record of manifest d in repository name
// holds exactly buf.
func (s *Store) sameRecord(ctx context.Context, name string, d digest.Digest, buf []byte) bool {
	data, err := s.get(ctx, manifestKey(name, d))
	return err == nil && bytes.Equal(data, buf)
}

func (s *Store) manifestRecord(ctx context.Context, name string, d digest.Digest) (*record, error) {
	data, err := s.get(ctx, manifestKey(name, d))
	if err != nil {
		return nil, notFound(err, ErrManifestUnknown, name+"@"+d.String())
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("manifest record %s@%s: %w", name, d, err)
	}
	return &rec, nil
}

// PutManifest stores data as a manifest of repository name under ref (a tag,
// or the digest data must have), plus the extra tags. contentType is the
// request's Content-Type.
func (s *Store) PutManifest(ctx context.Context, name, ref, contentType string, data []byte, tags []string) (*PutResult, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrManifestTooLarge, len(data), MaxManifestSize)
	}
	d, tags, err := manifestDigest(ref, data, tags)
	if err != nil {
		return nil, err
	}
	p, err := parseManifest(contentType, data)
	if err != nil {
		return nil, err
	}
	if err := s.checkTagWrites(ctx, name, d, tags); err != nil {
		return nil, err
	}
	res := &PutResult{Digest: d, Tags: tags}
	if res.Warnings, err = s.checkReferences(ctx, name, p); err != nil {
		return nil, err
	}
	if err := s.writeManifest(ctx, name, d, p, data); err != nil {
		return nil, err
	}
	for _, tag := range tags {
		if err := s.d.Put(ctx, tagKey(name, tag), []byte(d.String())); err != nil {
			return nil, err
		}
	}
	if p.Subject != nil {
		res.Subject = p.Subject.Digest
	}
	return res, nil
}

// manifestDigest computes the digest of data and the tags to set: ref is
// either the digest data must have, or one more tag.
func manifestDigest(ref string, data []byte, tags []string) (digest.Digest, []string, error) {
	for _, t := range tags {
		if err := ValidTag(t); err != nil {
			return "", nil, err
		}
	}
	if !IsDigest(ref) {
		if err := ValidTag(ref); err != nil {
			return "", nil, err
		}
		return digest.SHA256.FromBytes(data), append([]string{ref}, tags...), nil
	}
	want, err := ParseDigest(ref)
	if err != nil {
		return "", nil, err
	}
	if got := want.Algorithm().FromBytes(data); got != want {
		return "", nil, fmt.Errorf("%w: manifest is %s, not %s", ErrDigestInvalid, got, want)
	}
	return want, tags, nil
}

// checkReferences makes sure an image's config is in the repository. Layers
// and index children that are missing are accepted (sparse manifests, as the
// conformance suite's strictest profile pushes) and reported as warnings;
// foreign layers are skipped quietly. Present references are touched and
// their content verified, so garbage collection cannot take them away
// before the manifest lands (gc_refcheck.go).
func (s *Store) checkReferences(ctx context.Context, name string, p *parsed) ([]string, error) {
	if p.Config != nil {
		if err := s.ensureConfig(ctx, name, *p.Config); err != nil {
			return nil, err
		}
	}
	var warnings []string
	for _, l := range p.Layers {
		if foreign(l) {
			continue
		}
		present, err := s.checkBlobRef(ctx, name, l.Digest)
		if err != nil {
			return nil, err
		}
		if !present {
			warnings = append(warnings, "layer "+l.Digest.String()+" is not in the repository")
		}
	}
	for _, m := range p.Manifests {
		present, err := s.checkManifestRef(ctx, name, m.Digest)
		if err != nil {
			return nil, err
		}
		if !present {
			warnings = append(warnings, "manifest "+m.Digest.String()+" is not in the repository")
		}
	}
	return warnings, nil
}

// ensureConfig checks the config blob is in the repository. The empty JSON
// config of artifacts is known to everyone, so pier stores it itself when a
// client did not push it.
func (s *Store) ensureConfig(ctx context.Context, name string, c v1.Descriptor) error {
	if c.Digest == v1.DescriptorEmptyJSON.Digest {
		return s.ensureEmptyConfig(ctx, name)
	}
	present, err := s.checkBlobRef(ctx, name, c.Digest)
	if err != nil || present {
		return err
	}
	return fmt.Errorf("%w: config %s", ErrManifestBlobUnknown, c.Digest)
}

// writeManifest stores content, then the record, then the referrer entry,
// after touching the manifest so that no collector takes it away (gc.go).
func (s *Store) writeManifest(ctx context.Context, name string, d digest.Digest, p *parsed, data []byte) error {
	swept, err := s.rely(ctx, name, d, manifestRepoKey(d, name))
	if err != nil {
		return err
	}
	if _, err := s.d.Stat(ctx, blobKey(d)); errors.Is(err, ErrNotFound) {
		if err := s.d.Put(ctx, blobKey(d), data); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	rec := record{MediaType: p.MediaType, Size: int64(len(data))}
	if p.Subject != nil {
		rec.Subject = p.Subject.Digest
	}
	buf, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// Tagging a manifest the repository holds finds the same record: not
	// rewriting it halves the durable writes of a tag push (measured with
	// bench/). Unless rely saw a sweep, no collector removes it now (gc.go).
	if swept || !s.sameRecord(ctx, name, d, buf) {
		if err := s.d.Put(ctx, manifestKey(name, d), buf); err != nil {
			return err
		}
	}
	if p.Subject != nil {
		ref, err := json.Marshal(p.referrer(d, int64(len(data))))
		if err != nil {
			return err
		}
		if err := s.d.Put(ctx, referrerKey(name, p.Subject.Digest, d), ref); err != nil {
			return err
		}
	}
	return s.touchRepository(ctx, name)
}

// DeleteManifest removes the manifest with digest d from repository name,
// with every tag that points at it: tags first, then the referrers entry,
// then the record (the reverse of the write order).
func (s *Store) DeleteManifest(ctx context.Context, name string, d digest.Digest) error {
	rec, err := s.manifestRecord(ctx, name, d)
	if err != nil {
		return err
	}
	if err := s.checkManifestDelete(ctx, name, d); err != nil {
		return err
	}
	for tag, err := range s.tagsOf(ctx, name, d) {
		if err != nil {
			return err
		}
		if err := s.d.Delete(ctx, tagKey(name, tag)); err != nil {
			return err
		}
	}
	if rec.Subject != "" {
		if err := s.d.Delete(ctx, referrerKey(name, rec.Subject, d)); err != nil {
			return err
		}
	}
	if err := s.d.Delete(ctx, manifestKey(name, d)); err != nil {
		return err
	}
	return s.d.Delete(ctx, manifestRepoKey(d, name))
}
