package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/storagetest"
)

// testConfig returns the S3 server given by the PIER_TEST_S3_* variables
// (conformance/minio.sh sets them), under a fresh random prefix. Without
// them the test is skipped, unless PIER_REQUIRE_S3=1 says S3 must be there.
func testConfig(tb testing.TB) Config {
	tb.Helper()
	cfg := Config{
		Endpoint:  os.Getenv("PIER_TEST_S3_ENDPOINT"),
		Bucket:    os.Getenv("PIER_TEST_S3_BUCKET"),
		AccessKey: os.Getenv("PIER_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("PIER_TEST_S3_SECRET_KEY"),
		Prefix:    "test-" + randomHex(6),
	}
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		msg := "PIER_TEST_S3_ENDPOINT and PIER_TEST_S3_BUCKET are unset: " +
			"run `source conformance/minio.sh && minio_start` to test against a real MinIO"
		if os.Getenv("PIER_REQUIRE_S3") == "1" {
			tb.Fatal("PIER_REQUIRE_S3=1 but " + msg)
		}
		tb.Skip(msg)
	}
	return cfg
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newTestDriver connects to the test server under a fresh prefix. When the
// test ends it fails if anything is left under that prefix (staged uploads
// included, which List hides), then removes it.
func newTestDriver(tb testing.TB) *Driver {
	tb.Helper()
	return openDriver(tb, testConfig(tb), true)
}

// openDriver connects with cfg; another call with the same cfg is another
// "replica" on the same data. check registers the leftover check.
func openDriver(tb testing.TB, cfg Config, check bool) *Driver {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := New(ctx, cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	if check {
		tb.Cleanup(func() { checkNothingLeft(tb, d) })
	}
	return d
}

// checkNothingLeft fails tb for every object under d's prefix, then
// removes them and any multipart upload their records name.
func checkNothingLeft(tb testing.TB, d *Driver) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	left := rawKeys(tb, d, "")
	for _, key := range left {
		tb.Errorf("left behind in the bucket: %q", key)
	}
	if len(left) == 0 {
		return
	}
	if _, err := d.PurgeUploads(ctx, time.Now().Add(24*time.Hour)); err != nil {
		tb.Errorf("purging uploads: %v", err)
	}
	for _, key := range rawKeys(tb, d, "") {
		if err := d.client.RemoveObject(ctx, d.bucket, d.prefix+key, minio.RemoveObjectOptions{}); err != nil {
			tb.Errorf("removing %q: %v", key, err)
		}
	}
}

// rawKeys lists the object names under d's prefix + sub, staging included,
// relative to d's prefix.
func rawKeys(tb testing.TB, d *Driver, sub string) []string {
	tb.Helper()
	var keys []string
	opts := minio.ListObjectsOptions{Prefix: d.prefix + sub, Recursive: true}
	for oi := range d.client.ListObjectsIter(context.Background(), d.bucket, opts) {
		if oi.Err != nil {
			tb.Fatalf("listing the bucket: %v", oi.Err)
		}
		keys = append(keys, strings.TrimPrefix(oi.Key, d.prefix))
	}
	return keys
}

func TestSuite(t *testing.T) {
	testConfig(t) // skip the whole suite, once, when there is no S3
	storagetest.Run(t, func(t *testing.T) storage.Driver { return newTestDriver(t) })
}
