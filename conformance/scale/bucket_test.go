package scale

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// bucket looks at the S3 bucket directly, under one prefix, behind pier's
// back.
type bucket struct {
	c      *minio.Client
	name   string
	prefix string // with a trailing "/"
}

// openBucket returns a view of s's bucket under a fresh prefix named after
// kind, and removes everything under that prefix when the test ends.
// Register it before starting pier processes, so that it runs after they
// stopped.
func openBucket(t *testing.T, s s3Server, kind string) *bucket {
	t.Helper()
	c, err := minio.New(s.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.accessKey, s.secretKey, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	b := &bucket{c: c, name: s.bucket, prefix: kind + "-" + randomHex(6) + "/"}
	t.Cleanup(func() { b.removeAll(t) })
	return b
}

// pierPrefix is the prefix to configure pier with.
func (b *bucket) pierPrefix() string { return strings.TrimSuffix(b.prefix, "/") }

// keys lists the object names under the prefix (prefix removed).
func (b *bucket) keys(t *testing.T) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []string
	for o := range b.c.ListObjects(ctx, b.name, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("listing %s/%s: %v", b.name, b.prefix, o.Err)
		}
		out = append(out, strings.TrimPrefix(o.Key, b.prefix))
	}
	return out
}

// removeAll deletes every object under the prefix.
func (b *bucket) removeAll(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, k := range b.keys(t) {
		if err := b.c.RemoveObject(ctx, b.name, b.prefix+k, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("removing %s: %v", k, err)
		}
	}
}
