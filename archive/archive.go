package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// maxMetadata bounds the JSON files an archive is described by (index.json,
// manifest.json, image configs), which are read whole.
const maxMetadata = 16 << 20

// Archive is an opened image archive whose structure was read and checked:
// every manifest verified, every blob present with its declared size. The
// blobs' content is verified as Push streams it.
type Archive struct {
	src       source
	format    string
	images    []*Image
	blobs     map[digest.Digest]*blobItem
	manifests map[digest.Digest]*manifestItem
}

// blobItem is a blob the archive holds.
type blobItem struct {
	desc  v1.Descriptor
	entry string
	// diffID, when set, is the digest the layer must have uncompressed
	// (docker's compressed layers, checked against the image config).
	diffID digest.Digest
}

// manifestItem is a manifest of the archive, verified and in memory.
type manifestItem struct {
	desc v1.Descriptor
	data []byte
}

// Image is one image or index at the top of an archive, and the names it
// is imported under.
type Image struct {
	Digest    digest.Digest
	MediaType string
	// Names are the repositories and tags the image goes to; a name with
	// no tag puts it in the repository by digest only.
	Names []Reference
	// tagOnly holds OCI ref.name annotations that are bare tags: they need
	// a repository from the caller (Rename).
	tagOnly []string
	// blobs and manifests are the image's content in push order: blobs,
	// then child manifests before their index, the image itself last.
	blobs     []digest.Digest
	manifests []digest.Digest
}

// Open reads the archive at path: a docker save tar, an OCI archive or an
// OCI layout directory. It reads every manifest and checks that each blob
// is present with its size; it reads no layer.
func Open(path string) (*Archive, error) {
	src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	a := &Archive{src: src, blobs: map[digest.Digest]*blobItem{}, manifests: map[digest.Digest]*manifestItem{}}
	if err := a.read(); err != nil {
		src.close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func (a *Archive) read() error {
	_, indexErr := a.src.size("index.json")
	_, dockerErr := a.src.size("manifest.json")
	switch {
	case indexErr == nil:
		a.format = "oci"
		if dockerErr == nil {
			a.format = "docker"
		}
		return a.readLayout()
	case dockerErr == nil:
		a.format = "docker"
		return a.readDocker()
	case !errors.Is(indexErr, ErrMissing):
		return indexErr
	case !errors.Is(dockerErr, ErrMissing):
		return dockerErr
	}
	return fmt.Errorf("%w: neither index.json (OCI layout) nor manifest.json (docker save) found", ErrFormat)
}

// Close releases the archive's file.
func (a *Archive) Close() error { return a.src.close() }

// Format is "docker" for a docker save tar (either layout) or "oci".
func (a *Archive) Format() string { return a.format }

// Images lists the images at the top of the archive.
func (a *Archive) Images() []*Image { return a.images }

// Size is how many bytes of blobs Push sends at most (each blob once).
func (a *Archive) Size() int64 {
	var n int64
	for _, b := range a.blobs {
		n += b.desc.Size
	}
	return n
}

// Rename imports the archive's only image under names instead of the
// names it carries. An archive of several images cannot be renamed.
func (a *Archive) Rename(names []Reference) error {
	if len(a.images) != 1 {
		return fmt.Errorf("the archive holds %d images; names can be given for one only", len(a.images))
	}
	img := a.images[0]
	for _, n := range names {
		if n.Digest != "" && n.Digest != img.Digest {
			return fmt.Errorf("%s: the archive's image is %s", n, img.Digest)
		}
	}
	img.Names = nil
	for _, n := range names {
		img.Names = append(img.Names, Reference{Repo: n.Repo, Tag: n.Tag})
	}
	img.tagOnly = nil
	return nil
}

// Repositories lists the repositories Push writes to: ErrUnnamed when an
// image has nowhere to go.
func (a *Archive) Repositories() ([]string, error) {
	if err := a.checkNames(); err != nil {
		return nil, err
	}
	return a.repositories(), nil
}

// checkNames makes sure every image has somewhere to go.
func (a *Archive) checkNames() error {
	for _, img := range a.images {
		if len(img.Names) > 0 {
			continue
		}
		if len(img.tagOnly) > 0 {
			return fmt.Errorf("%w: image %s is named only by the tag %q; give it a repository with --tag REPO:TAG",
				ErrUnnamed, img.Digest, img.tagOnly[0])
		}
		return fmt.Errorf("%w: image %s; give it one with --tag REPO:TAG", ErrUnnamed, img.Digest)
	}
	return nil
}

// readJSON decodes the entry name, of at most maxMetadata bytes, into v.
func (a *Archive) readJSON(name string, v any) error {
	data, err := a.readSmall(name, maxMetadata)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w: %v", name, ErrCorrupt, err)
	}
	return nil
}

// readSmall reads the entry name whole, refusing it beyond limit bytes.
func (a *Archive) readSmall(name string, limit int64) ([]byte, error) {
	rc, size, err := a.src.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes, more than the %d read whole", name, ErrCorrupt, size, limit)
	}
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// addImage records a top-level image, merging the names of one listed twice.
func (a *Archive) addImage(img *Image) *Image {
	for _, have := range a.images {
		if have.Digest == img.Digest {
			have.Names = appendNew(have.Names, img.Names...)
			have.tagOnly = append(have.tagOnly, img.tagOnly...)
			return have
		}
	}
	a.images = append(a.images, img)
	return img
}

// appendNew appends the elements of add that list does not hold yet.
func appendNew[T comparable](list []T, add ...T) []T {
	for _, x := range add {
		found := false
		for _, y := range list {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			list = append(list, x)
		}
	}
	return list
}
