package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// flipAt returns a copy of data with the byte at the middle of the first
// occurrence of part changed.
func flipAt(t *testing.T, data, part []byte) []byte {
	t.Helper()
	i := bytes.Index(data, part)
	if i < 0 {
		t.Fatal("part not found")
	}
	out := bytes.Clone(data)
	out[i+len(part)/2] ^= 0x20
	return out
}

// withoutEntry returns the tar data without the entry name.
func withoutEntry(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	var files []tarFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != name {
			files = append(files, tarFile{name: h.Name, data: body, link: h.Linkname})
		}
	}
	return buildTar(t, files)
}

// TestImportCorruptDocker: a damaged docker save tar is refused with the
// bad entry named, and the registry is left as it was: the old tag still
// points where it did, and no manifest, tag or blob link of the new
// image remains.
func TestImportCorruptDocker(t *testing.T) {
	l1, l2, l3 := randomLayer(t, 11, 4000), randomLayer(t, 12, 6000), randomLayer(t, 13, 5000)
	img := classicImage{tags: []string{"app:2", "fresh/repo:1"}, layers: [][]byte{l1, l2, l3}}
	clean := classicTar(t, img)
	layer := func(j int) string { return hexOf(fmt.Sprintf("image 0 layer %d", j)) + "/layer.tar" }
	cfg := img.config(t)
	cfgName := digest.FromBytes(cfg).Encoded() + ".json"

	_, goodReg := newStore()
	if _, err := importFile(t, goodReg, writeFile(t, "clean.tar", clean)); err != nil {
		t.Fatal(err)
	}
	good := snapshot(t, goodReg)["app:2"]

	cases := []struct {
		name  string
		data  []byte
		entry string
		want  error
	}{
		{"flipped byte in the last layer", flipAt(t, clean, l3), layer(2), ErrCorrupt},
		{"flipped byte in the config", bytes.Replace(clean, []byte(`"amd64"`), []byte(`"amd65"`), 1), cfgName, ErrCorrupt},
		{"truncated in a layer", clean[:bytes.Index(clean, l2)+len(l2)/2], layer(1), ErrCorrupt},
		{"truncated after the last entry's header", clean[:bytes.Index(clean, []byte("manifest.json"))+512+10], "manifest.json", ErrCorrupt},
		{"missing layer", withoutEntry(t, clean, layer(1)), layer(1), ErrMissing},
		{"missing config", withoutEntry(t, clean, cfgName), cfgName, ErrMissing},
		{"missing manifest.json", withoutEntry(t, clean, "manifest.json"), "manifest.json", ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, reg := newStore()
			old := classicImage{tags: []string{"app:2"}, layers: [][]byte{randomLayer(t, 14, 100)}}
			if _, err := importFile(t, reg, writeFile(t, "old.tar", classicTar(t, old))); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, reg)

			_, err := importFile(t, reg, writeFile(t, "bad.tar", c.data))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.entry) {
				t.Fatalf("error %v; want %v naming %s", err, c.want, c.entry)
			}
			assertUntouched(t, reg, before, good, digest.FromBytes(l1))
		})
	}
}

// assertUntouched checks that reg's tags are before and that neither the
// manifest nor the blob of a failed import is visible.
func assertUntouched(t *testing.T, reg Registry, before map[string]digest.Digest, manifest, blob digest.Digest) {
	t.Helper()
	ctx := context.Background()
	if after := snapshot(t, reg); !maps.Equal(before, after) {
		t.Errorf("tags changed: %v, were %v", after, before)
	}
	for _, repo := range []string{"app", "fresh/repo"} {
		if ok, err := reg.HasManifest(ctx, repo, manifest); ok || err != nil {
			t.Errorf("manifest %s left in %s (%v)", manifest, repo, err)
		}
		if ok, err := reg.HasBlob(ctx, repo, blob); ok || err != nil {
			t.Errorf("blob %s left in %s (%v)", blob, repo, err)
		}
	}
}

// TestImportCorruptOCI damages an OCI layout directory in place.
func TestImportCorruptOCI(t *testing.T) {
	img := randomImage(t, 3000, 3)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	blob := func(f func() (string, error)) string {
		s, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return "blobs/" + strings.Replace(s, ":", "/", 1)
	}
	last := blob(func() (string, error) { h, err := layers[2].Digest(); return h.String(), err })
	first := digest.Digest(mustDigest(t, layers[0].Digest))
	manifest := blob(func() (string, error) { h, err := img.Digest(); return h.String(), err })

	cases := []struct {
		name, entry string
		damage      func(path string) error
		want        error
	}{
		{"flipped byte in a layer", last, flipFile, ErrCorrupt},
		{"flipped byte in the manifest", manifest, flipFile, ErrCorrupt},
		{"short layer", last, func(p string) error { return os.Truncate(p, 100) }, ErrCorrupt},
		{"missing layer", last, os.Remove, ErrMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := layoutDir(t, nil, "", img, "fresh/repo:1")
			if err := c.damage(filepath.Join(dir, c.entry)); err != nil {
				t.Fatal(err)
			}
			_, reg := newStore()
			_, err := importFile(t, reg, dir)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.entry) {
				t.Fatalf("error %v; want %v naming %s", err, c.want, c.entry)
			}
			assertUntouched(t, reg, map[string]digest.Digest{}, digest.Digest(mustDigest(t, img.Digest)), first)
		})
	}
}

func flipFile(p string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	data[len(data)/2] ^= 0x20
	return os.WriteFile(p, data, 0o644)
}

// failingTag is a registry that refuses to set one tag.
type failingTag struct {
	Registry
	tag string
}

func (f failingTag) PutManifest(ctx context.Context, repo, ref, mediaType string, data []byte) error {
	if ref == f.tag {
		return errors.New("refused")
	}
	return f.Registry.PutManifest(ctx, repo, ref, mediaType, data)
}

// TestImportUndoTags: a failure at the last step moves the tags already
// set back where they were.
func TestImportUndoTags(t *testing.T) {
	_, reg := newStore()
	old := classicImage{tags: []string{"app:1"}, layers: [][]byte{randomLayer(t, 21, 100)}}
	if _, err := importFile(t, reg, writeFile(t, "old.tar", classicTar(t, old))); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, reg)
	l := randomLayer(t, 22, 100)
	img := classicImage{tags: []string{"app:1", "app:2", "fresh/repo:zzz"}, layers: [][]byte{l}}
	a, err := Open(writeFile(t, "new.tar", classicTar(t, img)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	err = a.Push(context.Background(), failingTag{reg, "zzz"}, nil)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error %v", err)
	}
	assertUntouched(t, reg, before, a.Images()[0].Digest, digest.FromBytes(l))
}

// TestImportDiffIDMismatch: a gzip layer whose uncompressed content is not
// what the image config says is refused, though its compressed digest is
// consistent.
func TestImportDiffIDMismatch(t *testing.T) {
	layer := randomLayer(t, 31, 2000)
	img := classicImage{tags: []string{"gz:1"}, layers: [][]byte{layer}}
	cfg := img.config(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(flipAt(t, layer, layer[1024:1100])); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cfgName := digest.FromBytes(cfg).Encoded() + ".json"
	m := fmt.Sprintf(`[{"Config":%q,"RepoTags":["gz:1"],"Layers":["l/layer.tar"]}]`, cfgName)
	data := buildTar(t, []tarFile{{name: cfgName, data: cfg}, {name: "l/layer.tar", data: gz.Bytes()}, {name: "manifest.json", data: []byte(m)}})

	_, reg := newStore()
	_, err := importFile(t, reg, writeFile(t, "gz.tar", data))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "l/layer.tar") || !strings.Contains(err.Error(), "uncompressed content") {
		t.Fatalf("error %v", err)
	}
	if tags := snapshot(t, reg); len(tags) != 0 {
		t.Errorf("tags left: %v", tags)
	}
	if ok, err := reg.HasBlob(context.Background(), "gz", digest.FromBytes(cfg)); ok || err != nil {
		t.Errorf("config left (%v)", err)
	}
}

// TestImportCorruptKnownBlob: an archive is refused for a damaged blob even
// when the registry holds that blob already and nothing would be sent.
func TestImportCorruptKnownBlob(t *testing.T) {
	l1, l2 := randomLayer(t, 81, 4000), randomLayer(t, 82, 4000)
	img := classicImage{tags: []string{"app:1"}, layers: [][]byte{l1, l2}}
	clean := classicTar(t, img)
	_, reg := newStore()
	if _, err := importFile(t, reg, writeFile(t, "clean.tar", clean)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, reg)
	again := img
	again.tags = []string{"app:2", "aaa/other:1"}
	bad := flipAt(t, classicTar(t, again), l2)
	_, err := importFile(t, reg, writeFile(t, "bad.tar", bad))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "/layer.tar") {
		t.Fatalf("error %v", err)
	}
	if after := snapshot(t, reg); !maps.Equal(before, after) {
		t.Errorf("tags %v, were %v", after, before)
	}
	if ok, err := reg.HasBlob(context.Background(), "aaa/other", digest.FromBytes(l1)); ok || err != nil {
		t.Errorf("blob mounted into aaa/other stayed (%v)", err)
	}
}
