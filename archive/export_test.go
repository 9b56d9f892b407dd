package archive

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

var amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}

// exportFixture fills a registry with a docker image under two tags, an
// image in a nested repository, and a two-platform index.
func exportFixture(t *testing.T) Registry {
	t.Helper()
	_, reg := newStore()
	l1 := randomLayer(t, 41, 3000)
	app := classicImage{tags: []string{"app:1", "app:latest"}, layers: [][]byte{l1, randomLayer(t, 42, 2000)}}
	other := classicImage{tags: []string{"team/other:v2"}, layers: [][]byte{l1}}
	if _, err := importFile(t, reg, writeFile(t, "save.tar", classicTar(t, app, other))); err != nil {
		t.Fatal(err)
	}
	if _, err := importFile(t, reg, layoutDir(t, platformIndex(t), "multi:1", nil, "")); err != nil {
		t.Fatal(err)
	}
	return reg
}

func parseRefs(t *testing.T, refs ...string) []Reference {
	t.Helper()
	var out []Reference
	for _, r := range refs {
		ref, err := ParseReference(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ref)
	}
	return out
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	reg := exportFixture(t)
	tags := snapshot(t, reg)
	other := tags["team/other:v2"]
	e, err := PlanExport(ctx, reg, parseRefs(t, "app:1", "app:latest", "multi:1", "team/other@"+other.String()), amd64)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings: %v", e.Warnings)
	}
	path := filepath.Join(t.TempDir(), "out.tar")
	if err := e.WriteFile(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	checkEntries(t, path)

	// docker load's view: manifest.json, read by go-containerregistry. The
	// image ID docker shows is the config digest.
	m, err := reg.Manifest(ctx, "app", "1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseManifest(m.MediaType, m.Data)
	if err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]digest.Digest{"app:1": p.Config.Digest, "multi:1": ""} {
		ref, _ := name.NewTag(tag)
		img, err := tarball.ImageFromPath(path, &ref)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		checkImage(t, img)
		if want != "" && mustDigest(t, img.ConfigName) != want.String() {
			t.Errorf("%s: config %s, want %s", tag, mustDigest(t, img.ConfigName), want)
		}
	}

	// The OCI view: the same tar unpacked is a layout.
	dir := untar(t, path)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range im.Manifests {
		if desc.MediaType.IsIndex() {
			child, err := idx.ImageIndex(desc.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkIndex(t, child)
			continue
		}
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img)
	}

	// And it imports back as it was.
	_, back := newStore()
	if _, err := importFile(t, back, path); err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(tags)
	delete(want, "team/other:v2")
	if got := snapshot(t, back); !maps.Equal(got, want) {
		t.Errorf("imported back %v, want %v", got, want)
	}
	if ok, err := back.HasManifest(ctx, "team/other", other); !ok || err != nil {
		t.Errorf("image exported by digest: %v %v", ok, err)
	}
}

// checkImage reads every layer of img, compressed and not, checking both
// digests against the manifest and the config.
func checkImage(t *testing.T, img ggcr.Image) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		t.Fatalf("%d layers, %d diff IDs", len(layers), len(cf.RootFS.DiffIDs))
	}
	for i, l := range layers {
		for _, c := range []struct {
			open func() (io.ReadCloser, error)
			want func() (ggcr.Hash, error)
		}{{l.Compressed, l.Digest}, {l.Uncompressed, func() (ggcr.Hash, error) { return cf.RootFS.DiffIDs[i], nil }}} {
			rc, err := c.open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := digest.FromReader(rc)
			rc.Close()
			if want := mustDigest(t, c.want); err != nil || got.String() != want {
				t.Errorf("layer %d: %s, want %s (%v)", i, got, want, err)
			}
		}
	}
}

func checkIndex(t *testing.T, idx ggcr.ImageIndex) {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, img)
	}
}

// checkEntries reads the tar: no name twice, every blob's content matches
// the digest its name carries.
func checkEntries(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if seen[h.Name] {
			t.Errorf("%s written twice", h.Name)
		}
		seen[h.Name] = true
		if rest, ok := strings.CutPrefix(h.Name, "blobs/sha256/"); ok && rest != "" {
			d, err := digest.FromReader(tr)
			if err != nil || d.Encoded() != rest {
				t.Errorf("%s holds %s (%v)", h.Name, d, err)
			}
		}
	}
	for _, must := range []string{"oci-layout", "index.json", "manifest.json"} {
		if !seen[must] {
			t.Errorf("no %s", must)
		}
	}
}

// untar unpacks the tar at path into a new directory.
func untar(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rottenBlob is a registry whose copy of one blob has a flipped byte.
type rottenBlob struct {
	Registry
	d digest.Digest
}

func (r rottenBlob) OpenBlob(ctx context.Context, repo string, d digest.Digest) (io.ReadCloser, int64, error) {
	rc, n, err := r.Registry.OpenBlob(ctx, repo, d)
	if err != nil || d != r.d {
		return rc, n, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, 0, err
	}
	data[len(data)/2] ^= 1
	return io.NopCloser(strings.NewReader(string(data))), n, nil
}

func TestExportFails(t *testing.T) {
	ctx := context.Background()
	reg := exportFixture(t)
	if _, err := PlanExport(ctx, reg, parseRefs(t, "app:nope"), amd64); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "app:nope") {
		t.Errorf("missing tag: %v", err)
	}
	if _, err := PlanExport(ctx, reg, parseRefs(t, "nothere"), amd64); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing repository: %v", err)
	}

	m, err := reg.Manifest(ctx, "app", "1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseManifest(m.MediaType, m.Data)
	if err != nil {
		t.Fatal(err)
	}
	bad := rottenBlob{reg, p.Layers[1].Digest}
	e, err := PlanExport(ctx, bad, parseRefs(t, "app:1"), amd64)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.tar")
	err = e.WriteFile(ctx, path, nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p.Layers[1].Digest.String()) {
		t.Errorf("rotten blob: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Errorf("a failed export left %v", entries)
	}
}

func TestExportPlatform(t *testing.T) {
	ctx := context.Background()
	reg := exportFixture(t)
	for _, c := range []struct {
		platform string
		warn     bool
	}{{"linux/amd64", false}, {"linux/arm64", false}, {"linux/arm64/v8", false}, {"linux/arm64/v7", true}, {"windows/amd64", true}} {
		p, err := ParsePlatform(c.platform)
		if err != nil {
			t.Fatal(err)
		}
		e, err := PlanExport(ctx, reg, parseRefs(t, "multi:1"), p)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(e.Warnings) > 0; got != c.warn {
			t.Errorf("%s: warnings %v", c.platform, e.Warnings)
		}
		if n := len(e.dockerManifest()); n != map[bool]int{false: 1, true: 0}[c.warn] {
			t.Errorf("%s: %d docker entries", c.platform, n)
		}
	}
	for _, bad := range []string{"linux", "/amd64", "a/b/c/d", ""} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
}

// TestBarQuiet: no progress bar where nobody watches.
func TestBarQuiet(t *testing.T) {
	var buf strings.Builder
	bar := NewBar(&buf, 100, "test")
	if bar != nil {
		t.Fatal("a bar on a buffer")
	}
	_ = bar.Add64(10) // a nil bar is fine to use
	bar.Done(true)
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if NewBar(f, 100, "test") != nil || buf.Len() != 0 {
		t.Error("a bar on a file")
	}
}
