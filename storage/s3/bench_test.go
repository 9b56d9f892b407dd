package s3

import (
	"context"
	"io"
	"testing"
)

const benchSize = 256 << 20

// BenchmarkUpload writes 256 MiB in 1 MiB chunks (as the upload handler
// does) and commits it.
func BenchmarkUpload(b *testing.B) {
	d := newTestDriver(b)
	chunk := randomBytes(1 << 20)
	b.SetBytes(benchSize)
	b.Cleanup(func() { d.Delete(context.Background(), "bench/upload") })
	for b.Loop() {
		u, err := d.Upload(b.Context(), "")
		if err != nil {
			b.Fatal(err)
		}
		for range benchSize / len(chunk) {
			if _, err := u.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		if err := u.Commit(b.Context(), "bench/upload"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead reads a 256 MiB object through Open.
func BenchmarkRead(b *testing.B) {
	d := newTestDriver(b)
	chunk := randomBytes(1 << 20)
	u, err := d.Upload(b.Context(), "")
	if err != nil {
		b.Fatal(err)
	}
	for range benchSize / len(chunk) {
		if _, err := u.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := u.Commit(b.Context(), "bench/read"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Delete(context.Background(), "bench/read") })
	buf := make([]byte, 1<<20)
	b.SetBytes(benchSize)
	for b.Loop() {
		r, _, err := d.Open(b.Context(), "bench/read")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, r, buf)
		r.Close()
		if err != nil || n != benchSize {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
}
