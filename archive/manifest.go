package archive

import (
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// Media types beyond the manifest types of package storage.
const (
	mediaTypeDockerConfig = "application/vnd.docker.container.image.v1+json"
	mediaTypeDockerLayer  = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// parsedManifest is what archive needs of a manifest or an index.
type parsedManifest struct {
	MediaType string          `json:"mediaType"`
	Config    *v1.Descriptor  `json:"config"`
	Layers    []v1.Descriptor `json:"layers"`
	Manifests []v1.Descriptor `json:"manifests"`
}

// isIndex reports whether the manifest lists other manifests.
func (p *parsedManifest) isIndex() bool {
	return p.MediaType == storage.MediaTypeOCIIndex || p.MediaType == storage.MediaTypeDockerList
}

// parseManifest reads data, whose descriptor said mediaType.
func parseManifest(mediaType string, data []byte) (*parsedManifest, error) {
	var p parsedManifest
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("not a valid manifest: %w", err)
	}
	if p.MediaType == "" {
		p.MediaType = mediaType
	}
	if p.MediaType == "" && p.Manifests != nil && p.Config == nil {
		p.MediaType = storage.MediaTypeOCIIndex
	} else if p.MediaType == "" {
		p.MediaType = storage.MediaTypeOCIManifest
	}
	if !isManifestType(p.MediaType) {
		return nil, fmt.Errorf("unsupported manifest media type %q", p.MediaType)
	}
	if !p.isIndex() && p.Config == nil {
		return nil, fmt.Errorf("image manifest without a config")
	}
	return &p, nil
}

// isManifestType reports whether mediaType is a manifest or an index.
func isManifestType(mediaType string) bool {
	switch mediaType {
	case storage.MediaTypeOCIManifest, storage.MediaTypeOCIIndex,
		storage.MediaTypeDockerManifest, storage.MediaTypeDockerList:
		return true
	}
	return false
}

// isImageConfig reports whether a config is a container image's, one
// docker can load.
func isImageConfig(mediaType string) bool {
	return mediaType == v1.MediaTypeImageConfig || mediaType == mediaTypeDockerConfig
}

// foreign reports whether a layer lives elsewhere (non-distributable
// layers with URLs), so an archive need not carry it.
func foreign(d v1.Descriptor) bool {
	return len(d.URLs) > 0 || strings.Contains(d.MediaType, "nondistributable") ||
		strings.Contains(d.MediaType, ".foreign.")
}

// blobPath is where an OCI layout keeps the blob of d.
func blobPath(d v1.Descriptor) string {
	return "blobs/" + string(d.Digest.Algorithm()) + "/" + d.Digest.Encoded()
}

// platformString formats p as os/arch[/variant].
func platformString(p *v1.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
