package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/handlers"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// Benchmark sizes: a 1 GiB image of four random 256 MiB layers.
const (
	benchLayers    = 4
	benchLayerSize = 256 << 20
)

// BenchmarkArchive imports a 1 GiB docker save tar into the filesystem
// storage (offline, and through the /v2/ API of a pier on loopback) and
// exports it again, next to a plain cp of the same tar as the reference:
//
//	go test -run '^$' -bench Archive -benchtime 1x ./archive
//
// MB/s is per byte of the tar; vs-cp is the time taken over the cp of the
// same run. The fs driver fsyncs what it stores, so cp+sync is the fairer
// reference; cp itself copies inside the kernel (copy_file_range), while
// import and export read, hash and write every byte in user space.
func BenchmarkArchive(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "image.tar")
	size := writeBenchTar(b, src)
	var cpTime time.Duration // per cp, for vs-cp
	b.Run("cp", func(b *testing.B) {
		benchCommand(b, size, "cp", src, filepath.Join(dir, "copy.tar"))
		cpTime = b.Elapsed() / time.Duration(b.N)
	})
	if cpTime == 0 { // cp was filtered out of this run
		cpTime = timeCommand(b, "cp", src, filepath.Join(dir, "copy.tar"))
	}
	b.Run("cp+sync", func(b *testing.B) {
		dst := filepath.Join(dir, "copy.tar")
		benchCommand(b, size, "sh", "-c", `cp "$1" "$2" && sync "$2"`, "-", src, dst)
	})
	b.Run("import", func(b *testing.B) {
		benchImport(b, size, cpTime, func(b *testing.B, root string) Registry { return NewStoreRegistry(fsStore(b, root)) }, src)
	})
	b.Run("import-api", func(b *testing.B) {
		benchImport(b, size, cpTime, func(b *testing.B, root string) Registry {
			srv := httptest.NewServer(handlers.New(handlers.Options{Store: fsStore(b, root)}))
			b.Cleanup(srv.Close)
			r, err := DialRemote(context.Background(), srv.URL, Login{}, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			return r
		}, src)
	})
	b.Run("export", func(b *testing.B) {
		reg := NewStoreRegistry(fsStore(b, filepath.Join(dir, "export-store")))
		pushTar(b, reg, src)
		dst := filepath.Join(dir, "export.tar")
		b.SetBytes(size)
		var took time.Duration
		for b.Loop() {
			start := time.Now()
			e, err := PlanExport(context.Background(), reg, []Reference{{Repo: "bench/app", Tag: "1"}}, amd64)
			if err != nil {
				b.Fatal(err)
			}
			if err := e.WriteFile(context.Background(), dst, nil); err != nil {
				b.Fatal(err)
			}
			took += time.Since(start)
		}
		b.ReportMetric(float64(took)/float64(b.N)/float64(cpTime), "vs-cp")
	})
}

func benchImport(b *testing.B, size int64, cpTime time.Duration, open func(*testing.B, string) Registry, src string) {
	b.SetBytes(size)
	var took time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		root := filepath.Join(b.TempDir(), fmt.Sprint(i))
		i++
		reg := open(b, root)
		b.StartTimer()
		start := time.Now()
		pushTar(b, reg, src)
		took += time.Since(start)
		b.StopTimer()
		if err := os.RemoveAll(root); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(took)/float64(b.N)/float64(cpTime), "vs-cp")
}

func pushTar(b *testing.B, reg Registry, src string) {
	a, err := Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if err := a.Push(context.Background(), reg, nil); err != nil {
		b.Fatal(err)
	}
}

func fsStore(b *testing.B, root string) *storage.Store {
	d, err := fs.New(root)
	if err != nil {
		b.Fatal(err)
	}
	return storage.New(d)
}

func benchCommand(b *testing.B, size int64, name string, args ...string) {
	b.SetBytes(size)
	for b.Loop() {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
}

func timeCommand(b *testing.B, name string, args ...string) time.Duration {
	start := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
	return time.Since(start)
}

// writeBenchTar writes a docker save tar (classic layout) of a random
// image at path and returns its size. Each layer is generated twice from
// its seed, once to learn its digest and once to write it, so that no
// layer is ever held in memory.
func writeBenchTar(b *testing.B, path string) int64 {
	var diffIDs []digest.Digest
	for i := range benchLayers {
		h := sha256.New()
		writeBenchLayer(b, h, uint64(i))
		diffIDs = append(diffIDs, digest.NewDigest(digest.SHA256, h))
	}
	cfg, err := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	cfgName := digest.FromBytes(cfg).Encoded() + ".json"
	entry := dockerEntry{Config: cfgName, RepoTags: []string{"bench/app:1"}}
	benchFile(b, tw, cfgName, int64(len(cfg)), func(w io.Writer) { w.Write(cfg) })
	for i := range benchLayers {
		name := fmt.Sprintf("layer%d/layer.tar", i)
		entry.Layers = append(entry.Layers, name)
		benchFile(b, tw, name, benchLayerSize+3*512, func(w io.Writer) { writeBenchLayer(b, w, uint64(i)) })
	}
	m, err := json.Marshal([]dockerEntry{entry})
	if err != nil {
		b.Fatal(err)
	}
	benchFile(b, tw, "manifest.json", int64(len(m)), func(w io.Writer) { w.Write(m) })
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return info.Size()
}

func benchFile(b *testing.B, tw *tar.Writer, name string, size int64, write func(io.Writer)) {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		b.Fatal(err)
	}
	write(tw)
}

// writeBenchLayer writes a layer tar of one random file of benchLayerSize
// bytes (3 blocks of headers and end marker around it).
func writeBenchLayer(b *testing.B, w io.Writer, seed uint64) {
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o644, Size: benchLayerSize, Typeflag: tar.TypeReg}); err != nil {
		b.Fatal(err)
	}
	var key [32]byte
	key[0] = byte(seed)
	if _, err := io.CopyN(tw, rand.NewChaCha8(key), benchLayerSize); err != nil {
		b.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
}
