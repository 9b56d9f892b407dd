package archive

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestImportDockerClassic(t *testing.T) {
	l1, l2, l3 := randomLayer(t, 1, 3000), randomLayer(t, 2, 5000), randomLayer(t, 3, 700)
	app1 := classicImage{tags: []string{"app:1", "docker.io/library/app:latest"}, layers: [][]byte{l1, l2, l3}}
	other := classicImage{tags: []string{"localhost:5000/team/other:v2"}, layers: [][]byte{l1, l3}}
	path := writeFile(t, "save.tar", classicTar(t, app1, other))
	_, reg := newStore()

	a, err := importFile(t, reg, path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Format() != "docker" || len(a.Images()) != 2 {
		t.Fatalf("format %s, %d images", a.Format(), len(a.Images()))
	}
	got := snapshot(t, reg)
	if len(got) != 3 || got["app:1"] != got["app:latest"] || got["team/other:v2"] == "" {
		t.Fatalf("tags: %v", got)
	}
	m, err := reg.Manifest(context.Background(), "app", "1")
	if err != nil {
		t.Fatal(err)
	}
	var man v1.Manifest
	if err := json.Unmarshal(m.Data, &man); err != nil {
		t.Fatal(err)
	}
	// The image ID docker shows is the config digest: it must not change.
	if want := digest.FromBytes(app1.config(t)); man.Config.Digest != want {
		t.Errorf("config %s, want %s", man.Config.Digest, want)
	}
	for i, l := range [][]byte{l1, l2, l3} {
		d := man.Layers[i]
		if d.Digest != digest.FromBytes(l) || d.MediaType != v1.MediaTypeImageLayer || d.Size != int64(len(l)) {
			t.Errorf("layer %d: %+v", i, d)
		}
		if string(readBlob(t, reg, "app", d.Digest)) != string(l) {
			t.Errorf("layer %d: content differs", i)
		}
	}
	// The shared layer, a symbolic link in the tar, is in both repositories.
	if string(readBlob(t, reg, "team/other", digest.FromBytes(l1))) != string(l1) {
		t.Error("shared layer differs")
	}
	// Importing again changes nothing and is no error.
	if _, err := importFile(t, reg, path); err != nil {
		t.Fatal(err)
	}
	if again := snapshot(t, reg); len(again) != 3 || again["app:1"] != got["app:1"] {
		t.Errorf("second import: %v", again)
	}
}

func TestImportOCI(t *testing.T) {
	idx := platformIndex(t)
	img := randomImage(t, 1024, 3)
	dir := layoutDir(t, idx, "example.com/multi:1", img, "single:v1")
	archive := writeFile(t, "oci.tar", tarDir(t, dir))
	for _, path := range []string{dir, archive} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, reg := newStore()
			a, err := importFile(t, reg, path)
			if err != nil {
				t.Fatal(err)
			}
			if a.Format() != "oci" {
				t.Errorf("format %s", a.Format())
			}
			got := snapshot(t, reg)
			if got["multi:1"].String() != mustDigest(t, idx.Digest) || got["single:v1"].String() != mustDigest(t, img.Digest) {
				t.Fatalf("tags %v", got)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			for _, child := range im.Manifests {
				ok, err := reg.HasManifest(context.Background(), "multi", digest.Digest(child.Digest.String()))
				if err != nil || !ok {
					t.Errorf("child %s: %v %v", child.Digest, ok, err)
				}
			}
		})
	}
}

// TestImportNames covers where names come from: docker 25's layout (OCI
// with a manifest.json beside), bare-tag annotations, --tag.
func TestImportNames(t *testing.T) {
	img := randomImage(t, 512, 1)
	dir := layoutDir(t, nil, "", img, "v1")
	if _, err := importFile(t, nil, dir); !errors.Is(err, ErrUnnamed) || !strings.Contains(err.Error(), "--tag") {
		t.Errorf("bare tag without --tag: %v", err)
	}
	_, reg := newStore()
	if _, err := importFile(t, reg, dir, "renamed/app:2", "renamed/app:stable"); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, reg); len(got) != 2 || got["renamed/app:2"].String() != mustDigest(t, img.Digest) {
		t.Errorf("renamed: %v", got)
	}

	// docker 25: index.json names nothing, manifest.json does.
	cfg := mustDigest(t, img.ConfigName)
	entries := []dockerEntry{{Config: "blobs/" + strings.Replace(cfg, ":", "/", 1), RepoTags: []string{"saved:3"}}}
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rewriteIndex(t, dir, func(idx *v1.Index) { idx.Manifests[0].Annotations = nil })
	_, reg = newStore()
	a, err := importFile(t, reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, reg); a.Format() != "docker" || got["saved:3"].String() != mustDigest(t, img.Digest) {
		t.Errorf("docker 25 layout (%s): %v", a.Format(), got)
	}
}

func rewriteIndex(t *testing.T, dir string, change func(*v1.Index)) {
	t.Helper()
	p := filepath.Join(dir, "index.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	change(&idx)
	if data, err = json.Marshal(idx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportCompressedDocker imports go-containerregistry's tarball, whose
// gzip layers are checked against the config's diff IDs as they stream.
func TestImportCompressedDocker(t *testing.T) {
	img := randomImage(t, 4096, 2)
	_, reg := newStore()
	if _, err := importFile(t, reg, ggcrTarball(t, img, "example.com/gz/app:1")); err != nil {
		t.Fatal(err)
	}
	m, err := reg.Manifest(context.Background(), "gz/app", "1")
	if err != nil {
		t.Fatal(err)
	}
	var man v1.Manifest
	if err := json.Unmarshal(m.Data, &man); err != nil {
		t.Fatal(err)
	}
	if man.Config.Digest.String() != mustDigest(t, img.ConfigName) || man.Layers[0].MediaType != v1.MediaTypeImageLayerGzip {
		t.Errorf("manifest %s", m.Data)
	}
}

func TestParseReference(t *testing.T) {
	for in, want := range map[string]string{
		"app":                                 "app:latest",
		"app:1":                               "app:1",
		"docker.io/library/alpine:3":          "alpine:3",
		"docker.io/bitnami/redis:7":           "bitnami/redis:7",
		"localhost:5000/a/b:c":                "a/b:c",
		"127.0.0.1:5000/a@sha256:" + hex64(1): "a@sha256:" + hex64(1),
		"a/b:c@sha256:" + hex64(2):            "a/b:c@sha256:" + hex64(2),
	} {
		ref, err := ParseReference(in)
		if err != nil || ref.String() != want {
			t.Errorf("ParseReference(%q) = %s, %v; want %s", in, ref, err, want)
		}
	}
	for _, bad := range []string{"", "UPPER:1", "a:b:c", "a:-x", "a@sha256:xyz", "a@md5:" + hex64(1)[:32]} {
		if ref, err := ParseReference(bad); err == nil {
			t.Errorf("ParseReference(%q) = %s, want an error", bad, ref)
		}
	}
}

func hex64(n int) string { return digest.FromBytes([]byte{byte(n)}).Encoded() }
