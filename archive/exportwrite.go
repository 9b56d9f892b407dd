package archive

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// copyBuffer is the size of the buffer blobs stream through.
const copyBuffer = 1 << 20

// epoch is the time stamp of every entry, so that exporting the same
// images twice writes the same bytes.
var epoch = time.Unix(0, 0)

// WriteFile writes the export to path through a temporary file beside it,
// renamed into place only when complete.
func (e *Export) WriteFile(ctx context.Context, path string, progress Progress) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := e.Write(ctx, f, progress); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Write writes the export as a tar to w: oci-layout, index.json and
// manifest.json first, then every blob once, each verified as it is read.
func (e *Export) Write(ctx context.Context, w io.Writer, progress Progress) error {
	tw := tar.NewWriter(w)
	index, err := json.Marshal(e.index())
	if err != nil {
		return err
	}
	docker, err := json.Marshal(e.dockerManifest())
	if err != nil {
		return err
	}
	layout := []byte(`{"imageLayoutVersion":"` + v1.ImageLayoutVersion + `"}`)
	for _, f := range []struct {
		name string
		data []byte
	}{{v1.ImageLayoutFile, layout}, {"index.json", index}, {"manifest.json", docker}} {
		if err := writeEntry(tw, f.name, f.data); err != nil {
			return err
		}
	}
	if err := e.writeDirs(tw); err != nil {
		return err
	}
	for _, m := range e.manifests {
		if err := writeEntry(tw, blobPath(m.desc), m.data); err != nil {
			return err
		}
	}
	for _, b := range e.blobs {
		if err := e.writeBlob(ctx, tw, b, progress); err != nil {
			return err
		}
	}
	return tw.Close()
}

// index is index.json: one entry per image asked for, named the way
// containerd and the OCI spec expect.
func (e *Export) index() v1.Index {
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{}}
	for _, r := range e.roots {
		d := r.desc
		if r.ref.Tag != "" {
			d.Annotations = map[string]string{
				annotationImageName: fullName(r.ref.Repo) + ":" + r.ref.Tag,
				annotationRefName:   r.ref.Tag,
			}
		} else {
			d.Annotations = map[string]string{annotationImageName: fullName(r.ref.Repo) + "@" + d.Digest.String()}
		}
		idx.Manifests = append(idx.Manifests, d)
	}
	return idx
}

// fullName is the name docker gives a repository it reads from a
// manifest.json, written out ("app" is docker.io/library/app).
func fullName(repo string) string {
	if !strings.Contains(repo, "/") {
		return "docker.io/library/" + repo
	}
	return "docker.io/" + repo
}

// dockerManifest is manifest.json: one entry per image docker can load,
// with every name asked for it.
func (e *Export) dockerManifest() []dockerEntry {
	out := []dockerEntry{}
	at := map[digest.Digest]int{}
	for _, r := range e.roots {
		if r.docker == nil {
			continue
		}
		i, ok := at[r.docker.desc.Digest]
		if !ok {
			p, _ := parseManifest(r.docker.desc.MediaType, r.docker.data) // parsed once already
			entry := dockerEntry{Config: blobPath(*p.Config), RepoTags: []string{}, Layers: []string{}}
			for _, l := range p.Layers {
				entry.Layers = append(entry.Layers, blobPath(l))
			}
			i = len(out)
			at[r.docker.desc.Digest] = i
			out = append(out, entry)
		}
		if r.ref.Tag != "" {
			out[i].RepoTags = appendNew(out[i].RepoTags, r.ref.Repo+":"+r.ref.Tag)
		}
	}
	return out
}

// writeDirs writes the blobs/ directories, which some readers want.
func (e *Export) writeDirs(tw *tar.Writer) error {
	dirs := []string{"blobs/"}
	for _, m := range e.manifests {
		dirs = appendNew(dirs, "blobs/"+string(m.desc.Digest.Algorithm())+"/")
	}
	for _, b := range e.blobs {
		dirs = appendNew(dirs, "blobs/"+string(b.desc.Digest.Algorithm())+"/")
	}
	for _, d := range dirs {
		h := &tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	return nil
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// writeBlob copies a blob from the registry into the tar, checking its
// size and digest: a registry whose storage rotted fails the export.
func (e *Export) writeBlob(ctx context.Context, tw *tar.Writer, b exportBlob, progress Progress) error {
	rc, size, err := e.reg.OpenBlob(ctx, b.repo, b.desc.Digest)
	if err != nil {
		return fmt.Errorf("blob %s of %s: %w", b.desc.Digest, b.repo, err)
	}
	defer rc.Close()
	if size >= 0 && size != b.desc.Size {
		return fmt.Errorf("blob %s of %s: %w: %d bytes, its manifest says %d", b.desc.Digest, b.repo, ErrCorrupt, size, b.desc.Size)
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: blobPath(b.desc), Mode: 0o644, Size: b.desc.Size, ModTime: epoch}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := b.desc.Digest.Algorithm().Hash()
	n, err := copyHashed(tw, withProgress(rc, progress), h)
	if err != nil {
		return fmt.Errorf("blob %s of %s: %w", b.desc.Digest, b.repo, err)
	}
	if n != b.desc.Size || digest.NewDigest(b.desc.Digest.Algorithm(), h) != b.desc.Digest {
		return fmt.Errorf("blob %s of %s: %w: the registry's copy does not match its digest", b.desc.Digest, b.repo, ErrCorrupt)
	}
	return nil
}
