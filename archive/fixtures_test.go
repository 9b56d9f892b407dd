package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// tarFile is one entry of a tar built by a test.
type tarFile struct {
	name string
	data []byte
	link string // a symbolic link to this name instead of data
}

// buildTar returns a tar of files, in order.
func buildTar(t testing.TB, files []tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
		if f.link != "" {
			h = &tar.Header{Name: f.name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: f.link}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// randomLayer is an uncompressed layer tar holding one file of n random
// bytes, different for each seed.
func randomLayer(t testing.TB, seed uint64, n int) []byte {
	t.Helper()
	data := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed+1))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return buildTar(t, []tarFile{{name: fmt.Sprintf("file-%d", seed), data: data}})
}

// classicImage is an image as docker 20.10 saves it: uncompressed layers
// in <id>/layer.tar and the config in <config hex>.json.
type classicImage struct {
	tags   []string
	layers [][]byte
	labels map[string]string
}

// config is the image config of img, whose digest docker calls its ID.
func (img classicImage) config(t testing.TB) []byte {
	t.Helper()
	var diffIDs []string
	for _, l := range img.layers {
		diffIDs = append(diffIDs, digest.FromBytes(l).String())
	}
	cfg := map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Cmd": []string{"/hello"}, "Labels": img.labels},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// classicTar lays images out as docker save (classic) does. A layer that
// an earlier image already holds is stored as a symbolic link to it.
func classicTar(t testing.TB, images ...classicImage) []byte {
	t.Helper()
	var files []tarFile
	var entries []dockerEntry
	stored := map[digest.Digest]string{}
	for i, img := range images {
		cfg := img.config(t)
		cfgName := digest.FromBytes(cfg).Encoded() + ".json"
		files = append(files, tarFile{name: cfgName, data: cfg})
		e := dockerEntry{Config: cfgName, RepoTags: img.tags}
		for j, l := range img.layers {
			id := hexOf(fmt.Sprintf("image %d layer %d", i, j))
			name := id + "/layer.tar"
			files = append(files, tarFile{name: id + "/VERSION", data: []byte("1.0")})
			if have, ok := stored[digest.FromBytes(l)]; ok {
				files = append(files, tarFile{name: name, link: "../" + have})
			} else {
				files = append(files, tarFile{name: name, data: l})
				stored[digest.FromBytes(l)] = name
			}
			e.Layers = append(e.Layers, name)
		}
		entries = append(entries, e)
	}
	m, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	return buildTar(t, append(files, tarFile{name: "manifest.json", data: m}))
}

func hexOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// writeFile writes data into a new file of the test's temporary directory.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tarDir tars the files under dir, sorted, as an OCI archive.
func tarDir(t testing.TB, dir string) []byte {
	t.Helper()
	var files []tarFile
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, tarFile{name: filepath.ToSlash(rel), data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return buildTar(t, files)
}

// newStore is an empty registry in memory.
func newStore() (*storage.Store, Registry) {
	s := storage.New(mem.New())
	return s, NewStoreRegistry(s)
}

// importFile opens path and pushes it into reg.
func importFile(t testing.TB, reg Registry, path string, names ...string) (*Archive, error) {
	t.Helper()
	a, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	if len(names) > 0 {
		var refs []Reference
		for _, n := range names {
			ref, err := ParseReference(n)
			if err != nil {
				t.Fatal(err)
			}
			refs = append(refs, ref)
		}
		if err := a.Rename(refs); err != nil {
			return nil, err
		}
	}
	return a, a.Push(context.Background(), reg, nil)
}

// snapshot lists every repository, tag and the digest it points at, so a
// test can tell whether a registry changed.
func snapshot(t testing.TB, reg Registry) map[string]digest.Digest {
	t.Helper()
	ctx := context.Background()
	out := map[string]digest.Digest{}
	repos, err := reg.Repositories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		tags, err := reg.Tags(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			m, err := reg.Manifest(ctx, r, tag)
			if err != nil {
				t.Fatal(err)
			}
			out[r+":"+tag] = m.Digest
		}
	}
	return out
}

// readAll reads blob d of repo.
func readBlob(t testing.TB, reg Registry, repo string, d digest.Digest) []byte {
	t.Helper()
	rc, _, err := reg.OpenBlob(context.Background(), repo, d)
	if err != nil {
		t.Fatalf("blob %s of %s: %v", d, repo, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
