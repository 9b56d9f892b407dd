package archive

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// Export is a set of images read from a registry, ready to be written as
// one tar that docker load and OCI tools both read.
type Export struct {
	reg       Registry
	platform  v1.Platform
	roots     []exportRoot
	manifests []*manifestItem
	blobs     []exportBlob
	seen      map[digest.Digest]bool
	// Warnings say what docker load will not see (an index with no image
	// for the platform, artifacts that are not container images).
	Warnings []string
}

// exportRoot is one image asked for.
type exportRoot struct {
	ref  Reference
	desc v1.Descriptor
	// docker is the image manifest docker load gets for it: the image
	// itself, or the index's image for the platform; nil when none.
	docker *manifestItem
}

// exportBlob is a blob to write and the repository to read it from.
type exportBlob struct {
	repo string
	desc v1.Descriptor
}

// PlanExport resolves refs in reg and reads their manifests. platform
// chooses which image of an index docker load gets.
func PlanExport(ctx context.Context, reg Registry, refs []Reference, platform v1.Platform) (*Export, error) {
	if len(refs) == 0 {
		return nil, fmt.Errorf("nothing to export")
	}
	e := &Export{reg: reg, platform: platform, seen: map[digest.Digest]bool{}}
	for _, ref := range refs {
		if err := e.addRoot(ctx, ref); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Size is how many bytes of blobs the export holds.
func (e *Export) Size() int64 {
	var n int64
	for _, b := range e.blobs {
		n += b.desc.Size
	}
	return n
}

func (e *Export) addRoot(ctx context.Context, ref Reference) error {
	want := ref.Tag
	if ref.Digest != "" {
		want = ref.Digest.String()
	}
	m, err := e.reg.Manifest(ctx, ref.Repo, want)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	root := exportRoot{ref: ref, desc: v1.Descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: int64(len(m.Data))}}
	item := &manifestItem{desc: root.desc, data: m.Data}
	if root.docker, err = e.walk(ctx, ref.Repo, item, 0); err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if root.docker == nil {
		e.Warnings = append(e.Warnings, e.noDockerImage(ref, item))
	}
	e.roots = append(e.roots, root)
	return nil
}

func (e *Export) noDockerImage(ref Reference, m *manifestItem) string {
	if p, err := parseManifest(m.desc.MediaType, m.data); err == nil && p.isIndex() {
		return fmt.Sprintf("%s: the index has no %s image; docker load will not load it", ref, platformString(&e.platform))
	}
	return fmt.Sprintf("%s: not a container image; docker load will not load it", ref)
}

// walk records manifest m of repo and what it refers to, and returns the
// image manifest docker load should get for it.
func (e *Export) walk(ctx context.Context, repo string, m *manifestItem, depth int) (*manifestItem, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("indexes nest deeper than %d", maxDepth)
	}
	p, err := parseManifest(m.desc.MediaType, m.data)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.desc.Digest, err)
	}
	m.desc.MediaType = p.MediaType
	var docker *manifestItem
	if p.isIndex() {
		docker, err = e.walkIndex(ctx, repo, p)
	} else {
		docker, err = e.walkImage(repo, m, p)
	}
	if err != nil {
		return nil, err
	}
	if !e.seen[m.desc.Digest] {
		e.seen[m.desc.Digest] = true
		e.manifests = append(e.manifests, m)
	}
	return docker, nil
}

func (e *Export) walkIndex(ctx context.Context, repo string, p *parsedManifest) (*manifestItem, error) {
	var docker *manifestItem
	for _, child := range p.Manifests {
		cm, err := e.reg.Manifest(ctx, repo, child.Digest.String())
		if err != nil {
			return nil, fmt.Errorf("%s manifest of the index: %w", platformString(child.Platform), err)
		}
		item := &manifestItem{desc: v1.Descriptor{MediaType: child.MediaType, Digest: cm.Digest, Size: int64(len(cm.Data))}, data: cm.Data}
		got, err := e.walk(ctx, repo, item, 1)
		if err != nil {
			return nil, err
		}
		if docker == nil && got != nil && matchPlatform(child.Platform, e.platform) {
			docker = got
		}
	}
	return docker, nil
}

func (e *Export) walkImage(repo string, m *manifestItem, p *parsedManifest) (*manifestItem, error) {
	loadable := isImageConfig(p.Config.MediaType)
	for _, b := range append([]v1.Descriptor{*p.Config}, p.Layers...) {
		if foreign(b) {
			loadable = false // docker load would need to fetch it
			continue
		}
		if _, err := storage.ParseDigest(b.Digest.String()); err != nil {
			return nil, fmt.Errorf("manifest %s: %w", m.desc.Digest, err)
		}
		if !e.seen[b.Digest] {
			e.seen[b.Digest] = true
			e.blobs = append(e.blobs, exportBlob{repo: repo, desc: b})
		}
	}
	if !loadable {
		return nil, nil
	}
	return m, nil
}

// matchPlatform reports whether an index entry's platform is the one
// wanted; a variant is compared only when one is wanted.
func matchPlatform(have *v1.Platform, want v1.Platform) bool {
	if have == nil {
		return false
	}
	return have.OS == want.OS && have.Architecture == want.Architecture &&
		(want.Variant == "" || have.Variant == want.Variant)
}

// ParsePlatform parses os/arch[/variant].
func ParsePlatform(s string) (v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return v1.Platform{}, fmt.Errorf("platform %q: want os/arch[/variant]", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
