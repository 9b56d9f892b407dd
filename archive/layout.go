package archive

import (
	"errors"
	"fmt"
	"strings"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// Annotations that name an image in an OCI layout: containerd and docker
// write the full name, the OCI spec the tag.
const (
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = v1.AnnotationRefName
)

// maxDepth bounds how deep indexes may nest.
const maxDepth = 8

// readLayout reads an OCI image layout: oci-layout, index.json and the
// manifests they lead to.
func (a *Archive) readLayout() error {
	if err := a.checkLayoutVersion(); err != nil {
		return err
	}
	var idx v1.Index
	if err := a.readJSON("index.json", &idx); err != nil {
		return err
	}
	if len(idx.Manifests) == 0 {
		return fmt.Errorf("index.json: %w: it lists no images", ErrFormat)
	}
	docker, err := a.dockerNames()
	if err != nil {
		return err
	}
	for i, desc := range idx.Manifests {
		img, err := a.layoutImage(desc, fmt.Sprintf("index.json manifests[%d]", i))
		if err != nil {
			return err
		}
		if len(img.Names) == 0 && len(img.tagOnly) == 0 {
			img.Names = docker[a.configOf(img)]
		}
		a.addImage(img)
	}
	return nil
}

// checkLayoutVersion reads oci-layout when there is one. The file is
// required by the spec, but tools that only care for index.json omit it.
func (a *Archive) checkLayoutVersion() error {
	var layout v1.ImageLayout
	err := a.readJSON(v1.ImageLayoutFile, &layout)
	if errors.Is(err, ErrMissing) {
		return nil
	}
	if err != nil {
		return err
	}
	if !strings.HasPrefix(layout.Version, "1.") {
		return fmt.Errorf("%s: %w: imageLayoutVersion %q, only 1.x is known", v1.ImageLayoutFile, ErrFormat, layout.Version)
	}
	return nil
}

// layoutImage reads the image or index desc of index.json and its names.
func (a *Archive) layoutImage(desc v1.Descriptor, where string) (*Image, error) {
	if err := checkDigest(desc, where); err != nil {
		return nil, err
	}
	img := &Image{Digest: desc.Digest, MediaType: desc.MediaType}
	if err := a.walk(img, desc, where, 0); err != nil {
		return nil, err
	}
	img.MediaType = a.manifests[desc.Digest].desc.MediaType
	if name := desc.Annotations[annotationImageName]; name != "" {
		ref, err := ParseReference(name)
		if err != nil {
			return nil, fmt.Errorf("%s: annotation %s: %w", where, annotationImageName, err)
		}
		img.Names = []Reference{{Repo: ref.Repo, Tag: ref.Tag}}
	} else if name := desc.Annotations[annotationRefName]; name != "" {
		if err := img.nameFromRef(name, where); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// nameFromRef reads an org.opencontainers.image.ref.name annotation: a
// full name when it has a '/' or a ':', else a tag.
func (img *Image) nameFromRef(name, where string) error {
	if strings.ContainsAny(name, "/:@") {
		ref, err := ParseReference(name)
		if err != nil {
			return fmt.Errorf("%s: annotation %s: %w", where, annotationRefName, err)
		}
		img.Names = []Reference{{Repo: ref.Repo, Tag: ref.Tag}}
		return nil
	}
	if err := storage.ValidTag(name); err != nil {
		return fmt.Errorf("%s: annotation %s: %w", where, annotationRefName, err)
	}
	img.tagOnly = []string{name}
	return nil
}

// walk reads the manifest desc and records its content into img: for an
// index its children first, for an image its config and layers.
func (a *Archive) walk(img *Image, desc v1.Descriptor, where string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%s: %w: indexes nest deeper than %d", where, ErrCorrupt, maxDepth)
	}
	m, err := a.readManifest(desc, where)
	if err != nil {
		return err
	}
	p, err := parseManifest(desc.MediaType, m.data)
	if err != nil {
		return fmt.Errorf("%s (%s): %w: %v", blobPath(desc), where, ErrCorrupt, err)
	}
	m.desc.MediaType = p.MediaType
	if p.isIndex() {
		for i, child := range p.Manifests {
			at := fmt.Sprintf("manifests[%d] of %s", i, desc.Digest)
			if pl := platformString(child.Platform); pl != "" {
				at = pl + " " + at
			}
			if err := a.walk(img, child, at, depth+1); err != nil {
				return err
			}
		}
	} else {
		for _, b := range append([]v1.Descriptor{*p.Config}, p.Layers...) {
			if err := a.addBlob(img, b, desc); err != nil {
				return err
			}
		}
	}
	img.manifests = appendNew(img.manifests, desc.Digest)
	return nil
}

// readManifest reads and verifies the manifest blob desc, once.
func (a *Archive) readManifest(desc v1.Descriptor, where string) (*manifestItem, error) {
	if m, ok := a.manifests[desc.Digest]; ok {
		return m, nil
	}
	if err := checkDigest(desc, where); err != nil {
		return nil, err
	}
	name := blobPath(desc)
	if desc.Size > storage.MaxManifestSize {
		return nil, fmt.Errorf("%s (%s): %w: a manifest of %d bytes", name, where, ErrCorrupt, desc.Size)
	}
	data, err := a.readSmall(name, storage.MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, where)
	}
	if err := verify(name, desc, data); err != nil {
		return nil, err
	}
	m := &manifestItem{desc: v1.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}, data: data}
	a.manifests[desc.Digest] = m
	return m, nil
}

// addBlob records blob b of the manifest of, checking it is in the archive
// with its size. Foreign layers may be absent.
func (a *Archive) addBlob(img *Image, b v1.Descriptor, of v1.Descriptor) error {
	where := "referenced by " + of.Digest.String()
	if err := checkDigest(b, where); err != nil {
		return err
	}
	name := blobPath(b)
	size, err := a.src.size(name)
	if errors.Is(err, ErrMissing) && foreign(b) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w (%s %s)", err, b.MediaType, where)
	}
	if size != b.Size {
		return fmt.Errorf("%s: %w: %d bytes, the manifest %s says %d", name, ErrCorrupt, size, of.Digest, b.Size)
	}
	if _, ok := a.blobs[b.Digest]; !ok {
		a.blobs[b.Digest] = &blobItem{desc: v1.Descriptor{MediaType: b.MediaType, Digest: b.Digest, Size: b.Size}, entry: name}
	}
	img.blobs = appendNew(img.blobs, b.Digest)
	return nil
}

// configOf returns the config digest of img when it is an image manifest.
func (a *Archive) configOf(img *Image) string {
	m := a.manifests[img.Digest]
	p, err := parseManifest(m.desc.MediaType, m.data)
	if err != nil || p.isIndex() {
		return ""
	}
	return p.Config.Digest.String()
}

// checkDigest refuses descriptors whose digest pier cannot store.
func checkDigest(d v1.Descriptor, where string) error {
	if _, err := storage.ParseDigest(d.Digest.String()); err != nil {
		return fmt.Errorf("%s: %w: %v", where, ErrCorrupt, err)
	}
	if d.Size < 0 {
		return fmt.Errorf("%s: %w: negative size", where, ErrCorrupt)
	}
	return nil
}

// verify checks data against its descriptor.
func verify(name string, desc v1.Descriptor, data []byte) error {
	if int64(len(data)) != desc.Size {
		return fmt.Errorf("%s: %w: %d bytes, its descriptor says %d", name, ErrCorrupt, len(data), desc.Size)
	}
	if got := desc.Digest.Algorithm().FromBytes(data); got != desc.Digest {
		return fmt.Errorf("%s: %w: content is %s", name, ErrCorrupt, got)
	}
	return nil
}
