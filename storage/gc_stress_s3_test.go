package storage_test

import (
	"context"
	"crypto/rand"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/s3"
)

// s3Config is the S3 server of the PIER_TEST_S3_* variables
// (conformance/minio.sh sets them) under a fresh prefix. Without them the
// test is skipped, unless PIER_REQUIRE_S3=1.
func s3Config(t testing.TB) s3.Config {
	t.Helper()
	cfg := s3.Config{
		Endpoint:  os.Getenv("PIER_TEST_S3_ENDPOINT"),
		Bucket:    os.Getenv("PIER_TEST_S3_BUCKET"),
		AccessKey: os.Getenv("PIER_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("PIER_TEST_S3_SECRET_KEY"),
		Prefix:    "gc-" + rand.Text()[:12],
	}
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		msg := "PIER_TEST_S3_ENDPOINT and PIER_TEST_S3_BUCKET are unset: " +
			"run `source conformance/minio.sh && minio_start` to test against a real MinIO"
		if os.Getenv("PIER_REQUIRE_S3") == "1" {
			t.Fatal("PIER_REQUIRE_S3=1 but " + msg)
		}
		t.Skip(msg)
	}
	return cfg
}

// s3Replicas opens n drivers on one bucket and prefix, as n pier replicas
// would, and empties the prefix when the test ends.
func s3Replicas(t testing.TB, n int) []*storage.Store {
	t.Helper()
	cfg := s3Config(t)
	ctx := context.Background()
	var out []*storage.Store
	for range n {
		d, err := s3.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, storage.New(d))
	}
	t.Cleanup(func() { emptyPrefix(t, out[0].Driver()) })
	return out
}

// emptyPrefix deletes every key of d, 32 at a time (a benchmark leaves
// hundreds of thousands), and its staged uploads.
func emptyPrefix(t testing.TB, d storage.Driver) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	keys := make(chan string)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for key := range keys {
				if err := d.Delete(ctx, key); err != nil {
					t.Errorf("cleaning up: %v", err)
				}
			}
		})
	}
	for info, err := range d.List(ctx, "", "") {
		if err != nil {
			t.Errorf("cleaning up: %v", err)
			break
		}
		keys <- info.Key
	}
	close(keys)
	wg.Wait()
	if _, err := d.(storage.UploadPurger).PurgeUploads(ctx, time.Now().Add(24*time.Hour)); err != nil {
		t.Errorf("cleaning up uploads: %v", err)
	}
}

// The stress test of gc_stress_test.go on S3, with two replicas sharing
// one bucket.
func TestGCStressS3(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	runStress(t, s3Replicas(t, 2))
}
