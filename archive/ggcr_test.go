package archive

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Fixtures written by go-containerregistry, an implementation of the
// formats independent of this package.

// randomImage is an image of n random gzip layers of size bytes each.
func randomImage(t testing.TB, size, n int64) ggcr.Image {
	t.Helper()
	img, err := random.Image(size, n)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// platformIndex is an OCI index of two random images, linux/amd64 and
// linux/arm64/v8.
func platformIndex(t testing.TB) ggcr.ImageIndex {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, p := range []ggcr.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}} {
		img := randomImage(t, 2048, 2)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: ggcr.Descriptor{Platform: &p}})
	}
	return mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
}

// layoutDir writes an OCI layout holding idx named idxName and img named
// imgName (either may be an ref.name annotation of any form).
func layoutDir(t testing.TB, idx ggcr.ImageIndex, idxName string, img ggcr.Image, imgName string) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if idx != nil {
		if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{annotationRefName: idxName})); err != nil {
			t.Fatal(err)
		}
	}
	if img != nil {
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{annotationRefName: imgName})); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ggcrTarball writes img as go-containerregistry's docker-load tar (gzip
// layers named by digest) tagged tag.
func ggcrTarball(t testing.TB, img ggcr.Image, tag string) string {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "ggcr.tar", nil)
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustDigest(t testing.TB, f func() (ggcr.Hash, error)) string {
	t.Helper()
	h, err := f()
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}
