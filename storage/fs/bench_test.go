package fs_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/pier-registry/pier/storage/fs"
)

func benchDriver(b *testing.B) *fs.Driver {
	b.Helper()
	d, err := fs.New(filepath.Join(b.TempDir(), "root"))
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkPutSmall replaces tag-sized records, each fsynced with its
// directory.
func BenchmarkPutSmall(b *testing.B) {
	d := benchDriver(b)
	data := bytes.Repeat([]byte("x"), 256)
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		if err := d.Put(b.Context(), fmt.Sprintf("repositories/app/_tags/t%d", i%1000), data); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkUpload256MiB streams a 256 MiB upload in 1 MiB writes and
// commits it.
func BenchmarkUpload256MiB(b *testing.B) {
	const size, piece = 256 << 20, 1 << 20
	d := benchDriver(b)
	buf := make([]byte, piece)
	_, _ = rand.NewChaCha8([32]byte{}).Read(buf)
	b.SetBytes(size)
	for b.Loop() {
		u, err := d.Upload(b.Context(), "")
		if err != nil {
			b.Fatal(err)
		}
		for range size / piece {
			if _, err := u.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		if err := u.Commit(b.Context(), "blobs/sha256/ab/big"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList2000 lists 2,000 tags spread over 20 repositories.
func BenchmarkList2000(b *testing.B) {
	const repos, tags = 20, 100
	d := benchDriver(b)
	for r := range repos {
		for t := range tags {
			key := fmt.Sprintf("repositories/r%02d/_tags/t%03d", r, t)
			if err := d.Put(b.Context(), key, []byte("sha256:0123")); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		n := 0
		for _, err := range d.List(b.Context(), "repositories/", "") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != repos*tags {
			b.Fatalf("listed %d keys, want %d", n, repos*tags)
		}
	}
	b.ReportMetric(repos*tags, "keys/op")
}
