package storage_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// benchBlobs is the size of the benchmark's store: PIER_GC_BENCH_BLOBS, or
// the 100,000 blobs the issue asks about.
func benchBlobs(b *testing.B) int {
	if v := os.Getenv("PIER_GC_BENCH_BLOBS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("PIER_GC_BENCH_BLOBS=%q: want a number of at least 100", v)
		}
		return n
	}
	return 100_000
}

// BenchmarkGC measures a collection of a store of benchBlobs blobs (nine in
// ten in tagged images, the rest garbage) in 100 repositories. It prints
// the first run, which sweeps the garbage; each iteration is a run over
// the same store with nothing left to sweep (the mark: listing, tags,
// manifests). The lease's settle time, 2s in production and paid once
// per run whatever the store's size, is cut to 200ms.
//
//	go test ./storage -run '^$' -bench GC -benchtime 3x
//	PIER_GC_BENCH_BLOBS=10000 go test ./storage -run '^$' -bench GC/fs -benchtime 1x
func BenchmarkGC(b *testing.B) {
	b.Run("fs", func(b *testing.B) {
		d, err := fs.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		benchGC(b, storage.New(d))
	})
	b.Run("s3", func(b *testing.B) {
		benchGC(b, s3Replicas(b, 1)[0])
	})
}

func benchGC(b *testing.B, s *storage.Store) {
	storage.SetGCTiming(s, storage.FastGCTiming)
	ctx := context.Background()
	n := benchBlobs(b)
	start := time.Now()
	garbage, err := storage.SeedBlobs(ctx, s.Driver(), 100, n, func(done int) {
		if done%10_000 == 0 {
			fmt.Fprintf(os.Stderr, "seeded %d blobs in %v\n", done, time.Since(start).Round(time.Second))
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d blobs (%d unreferenced) in %v", n, garbage, time.Since(start).Round(time.Millisecond))
	age(b, s)
	first := collect(b, s, storage.GCOptions{})
	if first.Blobs != garbage {
		b.Fatalf("first run collected %d blobs, want %d", first.Blobs, garbage)
	}
	b.Logf("first run, sweeping %d blobs: %v", first.Blobs, first.Duration.Round(time.Millisecond))
	b.ResetTimer()
	for b.Loop() {
		if rep := collect(b, s, storage.GCOptions{}); rep.Blobs != 0 {
			b.Fatalf("a run over a clean store collected %d blobs", rep.Blobs)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "blobs/s")
}
