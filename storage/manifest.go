package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Manifest media types pier stores.
const (
	MediaTypeOCIManifest    = v1.MediaTypeImageManifest
	MediaTypeOCIIndex       = v1.MediaTypeImageIndex
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"

	mediaTypeSchema1       = "application/vnd.docker.distribution.manifest.v1+json"
	mediaTypeSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
)

// MaxManifestSize is the largest manifest accepted (the spec asks for at
// least 4 MB; larger is refused with 413).
const MaxManifestSize = 4 << 20

// parsed is what the registry needs to know of a manifest: what it points
// at, and what it says of itself for the referrers API.
type parsed struct {
	MediaType    string
	Config       *v1.Descriptor  // image manifests
	Layers       []v1.Descriptor // image manifests
	Manifests    []v1.Descriptor // indexes
	Subject      *v1.Descriptor  // OCI types only
	ArtifactType string          // as the referrers API reports it
	Annotations  map[string]string
}

// wire is the union of the fields of every accepted manifest type.
type wire struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *v1.Descriptor    `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Manifests     []v1.Descriptor   `json:"manifests"`
	Subject       *v1.Descriptor    `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// parseManifest validates data, sent with Content-Type contentType, as one
// of the manifest types pier stores. Errors wrap ErrManifestInvalid.
func parseManifest(contentType string, data []byte) (*parsed, error) {
	var w wire
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return nil, invalid("not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, invalid("trailing data after the JSON document")
	}
	mt, err := manifestMediaType(contentType, &w)
	if err != nil {
		return nil, err
	}
	if w.SchemaVersion == nil || *w.SchemaVersion != 2 {
		return nil, invalid("schemaVersion must be 2")
	}
	p := &parsed{MediaType: mt, Annotations: w.Annotations}
	switch mt {
	case MediaTypeOCIManifest, MediaTypeDockerManifest:
		err = p.image(&w)
	default:
		err = p.index(&w)
	}
	if err != nil {
		return nil, err
	}
	return p, p.subject(&w)
}

// manifestMediaType settles the type from the header and the body's own
// mediaType field, which must agree (distribution-spec "Pushing Manifests":
// clients MUST set Content-Type to the mediaType field).
func manifestMediaType(contentType string, w *wire) (string, error) {
	header := ""
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			header = mt
		}
	}
	if header == "application/octet-stream" || header == "application/json" {
		header = ""
	}
	mt := w.MediaType
	switch {
	case mt != "" && header != "" && mt != header:
		return "", invalid("Content-Type %q does not match the manifest's mediaType %q", header, mt)
	case mt == "":
		mt = header
	}
	if mt == "" {
		mt = guessMediaType(w)
	}
	switch mt {
	case MediaTypeOCIManifest, MediaTypeOCIIndex, MediaTypeDockerManifest, MediaTypeDockerList:
		return mt, nil
	case mediaTypeSchema1, mediaTypeSchema1Signed:
		return "", invalid("Docker schema 1 manifests are not supported; push with a current client (schema 2 or OCI)")
	}
	return "", invalid("unsupported manifest media type %q", mt)
}

// guessMediaType names an OCI manifest that omits its mediaType (allowed by
// image-spec) from its shape.
func guessMediaType(w *wire) string {
	switch {
	case w.SchemaVersion != nil && *w.SchemaVersion == 1:
		return mediaTypeSchema1
	case w.Manifests != nil && w.Config == nil:
		return MediaTypeOCIIndex
	}
	return MediaTypeOCIManifest
}

func (p *parsed) image(w *wire) error {
	if w.Manifests != nil {
		return invalid("an image manifest has no manifests field")
	}
	if w.Config == nil {
		return invalid("config descriptor missing")
	}
	if err := checkDescriptor("config", *w.Config); err != nil {
		return err
	}
	for i, l := range w.Layers {
		if err := checkDescriptor(fmt.Sprintf("layers[%d]", i), l); err != nil {
			return err
		}
	}
	p.Config, p.Layers = w.Config, w.Layers
	// distribution-spec "Listing Referrers": artifactType, else the config's media type.
	p.ArtifactType = w.ArtifactType
	if p.ArtifactType == "" {
		p.ArtifactType = w.Config.MediaType
	}
	return nil
}

func (p *parsed) index(w *wire) error {
	if w.Config != nil || w.Layers != nil {
		return invalid("an index has no config or layers fields")
	}
	for i, m := range w.Manifests {
		if err := checkDescriptor(fmt.Sprintf("manifests[%d]", i), m); err != nil {
			return err
		}
	}
	p.Manifests, p.ArtifactType = w.Manifests, w.ArtifactType
	return nil
}

func (p *parsed) subject(w *wire) error {
	if w.Subject == nil {
		return nil
	}
	if p.MediaType != MediaTypeOCIManifest && p.MediaType != MediaTypeOCIIndex {
		return invalid("subject is only defined for OCI manifests and indexes")
	}
	if err := checkDescriptor("subject", *w.Subject); err != nil {
		return err
	}
	p.Subject = w.Subject
	return nil
}

// checkDescriptor validates one descriptor, including its embedded data.
func checkDescriptor(where string, d v1.Descriptor) error {
	if d.MediaType == "" {
		return invalid("%s: mediaType missing", where)
	}
	if err := d.Digest.Validate(); err != nil {
		return invalid("%s: digest %q: %v", where, d.Digest, err)
	}
	if d.Size < 0 {
		return invalid("%s: negative size", where)
	}
	if d.Data != nil {
		if int64(len(d.Data)) != d.Size || d.Digest.Algorithm().FromBytes(d.Data) != d.Digest {
			return invalid("%s: data does not match its digest and size", where)
		}
	}
	return nil
}

// foreign reports whether a layer is one a registry need not hold:
// non-distributable media types or layers fetched from URLs.
func foreign(d v1.Descriptor) bool {
	return len(d.URLs) > 0 || strings.Contains(d.MediaType, ".nondistributable.") ||
		strings.Contains(d.MediaType, ".foreign.")
}

// referrer is the descriptor the referrers API lists for this manifest.
func (p *parsed) referrer(d digest.Digest, size int64) v1.Descriptor {
	return v1.Descriptor{MediaType: p.MediaType, Digest: d, Size: size,
		ArtifactType: p.ArtifactType, Annotations: p.Annotations}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrManifestInvalid, fmt.Sprintf(format, args...))
}
