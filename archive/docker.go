package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// dockerEntry is one image of a docker save manifest.json.
type dockerEntry struct {
	Config       string
	RepoTags     []string
	Layers       []string
	LayerSources map[digest.Digest]v1.Descriptor `json:",omitempty"`
}

// digestName matches entry names that carry the digest of their content:
// "<hex>.json" (classic configs), "<hex>.tar.gz" (go-containerregistry),
// "blobs/sha256/<hex>" (docker 25 and later).
var digestName = regexp.MustCompile(`^(?:sha256:)?([a-f0-9]{64})(?:\.json|\.tar|\.tar\.gz|\.tgz)?$`)

// readDockerManifest reads manifest.json.
func (a *Archive) readDockerManifest() ([]dockerEntry, error) {
	var entries []dockerEntry
	if err := a.readJSON("manifest.json", &entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("manifest.json: %w: it lists no images", ErrFormat)
	}
	return entries, nil
}

// dockerNames maps config digests to the names manifest.json gives them,
// for OCI layouts whose index.json names nothing.
func (a *Archive) dockerNames() (map[string][]Reference, error) {
	entries, err := a.readDockerManifest()
	if errors.Is(err, ErrMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := map[string][]Reference{}
	for i, e := range entries {
		refs, err := parseRepoTags(e.RepoTags, i)
		if err != nil {
			return nil, err
		}
		if m := digestName.FindStringSubmatch(path.Base(e.Config)); m != nil {
			names["sha256:"+m[1]] = refs
		}
	}
	return names, nil
}

// readDocker reads the classic docker save layout, building for each
// image the OCI manifest that docker would push for it.
func (a *Archive) readDocker() error {
	entries, err := a.readDockerManifest()
	if err != nil {
		return err
	}
	for i, e := range entries {
		img, err := a.dockerImage(e, i)
		if err != nil {
			return err
		}
		a.addImage(img)
	}
	return nil
}

func (a *Archive) dockerImage(e dockerEntry, i int) (*Image, error) {
	where := fmt.Sprintf("manifest.json entry %d", i)
	names, err := parseRepoTags(e.RepoTags, i)
	if err != nil {
		return nil, err
	}
	config, diffIDs, err := a.dockerConfig(e.Config, where)
	if err != nil {
		return nil, err
	}
	if len(diffIDs) != len(e.Layers) {
		return nil, fmt.Errorf("%s: %w: %d layers, its config %s lists %d", where, ErrCorrupt, len(e.Layers), e.Config, len(diffIDs))
	}
	img := &Image{Names: names}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest, Config: config}
	a.addBlobItem(img, &blobItem{desc: config, entry: e.Config})
	for j, name := range e.Layers {
		b, err := a.dockerLayer(name, diffIDs[j], e.LayerSources)
		if err != nil {
			return nil, fmt.Errorf("%w (layer %d of %s)", err, j, where)
		}
		m.Layers = append(m.Layers, b.desc)
		if b.entry != "" {
			a.addBlobItem(img, b)
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	desc := v1.Descriptor{MediaType: v1.MediaTypeImageManifest, Digest: digest.FromBytes(data), Size: int64(len(data))}
	a.manifests[desc.Digest] = &manifestItem{desc: desc, data: data}
	img.Digest, img.MediaType, img.manifests = desc.Digest, desc.MediaType, []digest.Digest{desc.Digest}
	return img, nil
}

func parseRepoTags(tags []string, i int) ([]Reference, error) {
	var refs []Reference
	for _, t := range tags {
		ref, err := ParseReference(t)
		if err != nil {
			return nil, fmt.Errorf("manifest.json entry %d: RepoTags: %w", i, err)
		}
		refs = appendNew(refs, Reference{Repo: ref.Repo, Tag: ref.Tag})
	}
	return refs, nil
}

// dockerConfig reads an image config, checks it against the digest its
// name carries, and returns its descriptor and the layers' diff IDs.
func (a *Archive) dockerConfig(name, where string) (v1.Descriptor, []digest.Digest, error) {
	if name == "" {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: %w: no Config", where, ErrCorrupt)
	}
	data, err := a.readSmall(name, maxMetadata)
	if err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("%w (config of %s)", err, where)
	}
	desc := v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if m := digestName.FindStringSubmatch(path.Base(name)); m != nil && m[1] != desc.Digest.Encoded() {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: %w: content is %s", name, ErrCorrupt, desc.Digest)
	}
	var cfg v1.Image
	if err := json.Unmarshal(data, &cfg); err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("%s: %w: not an image config: %v", name, ErrCorrupt, err)
	}
	for _, d := range cfg.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return v1.Descriptor{}, nil, fmt.Errorf("%s: %w: diff_id %q: %v", name, ErrCorrupt, d, err)
		}
	}
	return desc, cfg.RootFS.DiffIDs, nil
}

// dockerLayer describes the layer entry name whose uncompressed digest is
// diffID. An uncompressed layer's digest is its diff ID; a compressed one
// takes the digest its name carries, or is hashed to find it, and keeps
// diffID to be checked as it streams.
func (a *Archive) dockerLayer(name string, diffID digest.Digest, sources map[digest.Digest]v1.Descriptor) (*blobItem, error) {
	size, err := a.src.size(name)
	if errors.Is(err, ErrMissing) {
		if src, ok := sources[diffID]; ok && foreign(src) {
			return &blobItem{desc: src}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	mediaType, err := a.layerMediaType(name)
	if err != nil {
		return nil, err
	}
	b := &blobItem{desc: v1.Descriptor{MediaType: mediaType, Size: size}, entry: name}
	if mediaType == v1.MediaTypeImageLayer {
		b.desc.Digest = diffID
		return b, nil
	}
	b.diffID = diffID
	if m := digestName.FindStringSubmatch(path.Base(name)); m != nil {
		b.desc.Digest = digest.NewDigestFromEncoded(digest.SHA256, m[1])
		return b, nil
	}
	if b.desc.Digest, err = a.hashEntry(name); err != nil {
		return nil, err
	}
	return b, nil
}

// layerMediaType tells a layer's compression from its first bytes.
func (a *Archive) layerMediaType(name string) (string, error) {
	rc, _, err := a.src.open(name)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	head := make([]byte, 4)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return mediaTypeOf(head[:n]), nil
}

// hashEntry computes the sha256 digest of an entry.
func (a *Archive) hashEntry(name string) (digest.Digest, error) {
	rc, _, err := a.src.open(name)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	d, err := digest.FromReader(rc)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// addBlobItem records b as content of img, once for the archive.
func (a *Archive) addBlobItem(img *Image, b *blobItem) {
	if _, ok := a.blobs[b.desc.Digest]; !ok {
		a.blobs[b.desc.Digest] = b
	}
	img.blobs = appendNew(img.blobs, b.desc.Digest)
}
