package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ImageInfo is one tag of a registry, as `pier images` shows it.
type ImageInfo struct {
	Repository string        `json:"repository"`
	Tag        string        `json:"tag"`
	Digest     digest.Digest `json:"digest"`
	MediaType  string        `json:"mediaType"`
	// Size is the config and layers of an image; for an index, of every
	// image it lists that the registry holds, blobs they share once.
	Size int64 `json:"size"`
	// Index is set for an index: what it lists.
	Index *IndexInfo `json:"index,omitempty"`
	// Pushed is when the tag was last set; zero when the registry does
	// not say (the /v2/ API does not have to).
	Pushed time.Time `json:"pushed,omitzero"`
	// Labels of the image config, read only when a filter needs them.
	Labels map[string]string `json:"labels,omitempty"`

	config *v1.Descriptor
}

// IndexInfo describes the images of an index.
type IndexInfo struct {
	Manifests int      `json:"manifests"`
	Platforms []string `json:"platforms,omitempty"`
	Missing   int      `json:"missing,omitempty"` // listed but not in the registry
}

// ListImages lists the tags of repo (of every repository when repo is "")
// with their digests and sizes, sorted by repository and tag. labels says
// whether to read image configs for their labels.
func ListImages(ctx context.Context, reg Registry, repo string, labels bool) ([]ImageInfo, error) {
	repos := []string{repo}
	if repo == "" {
		var err error
		if repos, err = reg.Repositories(ctx); err != nil {
			return nil, fmt.Errorf("listing repositories: %w", err)
		}
	}
	var out []ImageInfo
	for _, r := range repos {
		tags, err := reg.Tags(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("listing the tags of %s: %w", r, err)
		}
		l := lister{reg: reg, repo: r, sizes: map[digest.Digest]*manifestSize{}}
		for _, tag := range tags {
			info, err := l.image(ctx, tag, labels)
			if errors.Is(err, ErrNotFound) {
				continue // untagged since it was listed
			}
			if err != nil {
				return nil, fmt.Errorf("%s:%s: %w", r, tag, err)
			}
			out = append(out, *info)
		}
	}
	return out, nil
}

// lister reads the images of one repository, each manifest once.
type lister struct {
	reg   Registry
	repo  string
	sizes map[digest.Digest]*manifestSize
}

// manifestSize is what a manifest's blobs add up to.
type manifestSize struct {
	blobs  map[digest.Digest]int64
	config *v1.Descriptor
}

func (l *lister) image(ctx context.Context, tag string, labels bool) (*ImageInfo, error) {
	m, err := l.reg.Manifest(ctx, l.repo, tag)
	if err != nil {
		return nil, err
	}
	info := &ImageInfo{Repository: l.repo, Tag: tag, Digest: m.Digest, MediaType: m.MediaType, Pushed: m.Pushed}
	p, err := parseManifest(m.MediaType, m.Data)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.Digest, err)
	}
	info.MediaType = p.MediaType
	s, err := l.size(ctx, m.Digest, p, 0, info)
	if err != nil {
		return nil, err
	}
	for _, n := range s.blobs {
		info.Size += n
	}
	info.config = s.config
	if labels && info.config != nil {
		if info.Labels, err = l.labels(ctx, *info.config); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// size adds up the blobs of manifest d (parsed as p); for an index it
// also fills info.Index.
func (l *lister) size(ctx context.Context, d digest.Digest, p *parsedManifest, depth int, info *ImageInfo) (*manifestSize, error) {
	if s, ok := l.sizes[d]; ok && info == nil {
		return s, nil
	}
	s := &manifestSize{blobs: map[digest.Digest]int64{}}
	if !p.isIndex() {
		s.config = p.Config
		for _, b := range append([]v1.Descriptor{*p.Config}, p.Layers...) {
			s.blobs[b.Digest] = b.Size
		}
		l.sizes[d] = s
		return s, nil
	}
	if info != nil {
		info.Index = &IndexInfo{Manifests: len(p.Manifests)}
	}
	for _, child := range p.Manifests {
		cs, err := l.child(ctx, child, depth+1)
		if errors.Is(err, ErrNotFound) && info != nil {
			info.Index.Missing++
			continue
		}
		if err != nil {
			return nil, err
		}
		for b, n := range cs.blobs {
			s.blobs[b] = n
		}
		if info != nil && child.Platform != nil {
			info.Index.Platforms = appendNew(info.Index.Platforms, platformString(child.Platform))
		}
	}
	l.sizes[d] = s
	return s, nil
}

func (l *lister) child(ctx context.Context, desc v1.Descriptor, depth int) (*manifestSize, error) {
	if s, ok := l.sizes[desc.Digest]; ok {
		return s, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("indexes nest deeper than %d", maxDepth)
	}
	m, err := l.reg.Manifest(ctx, l.repo, desc.Digest.String())
	if err != nil {
		return nil, err
	}
	p, err := parseManifest(m.MediaType, m.Data)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	return l.size(ctx, desc.Digest, p, depth, nil)
}

// labels reads the labels of an image config.
func (l *lister) labels(ctx context.Context, config v1.Descriptor) (map[string]string, error) {
	if !isImageConfig(config.MediaType) || config.Size > maxMetadata {
		return nil, nil
	}
	rc, _, err := l.reg.OpenBlob(ctx, l.repo, config.Digest)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", config.Digest, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetadata))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", config.Digest, err)
	}
	var img v1.Image
	if err := json.Unmarshal(data, &img); err != nil {
		return nil, fmt.Errorf("config %s: %w", config.Digest, err)
	}
	return img.Config.Labels, nil
}
