package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/opencontainers/go-digest"
)

// s3Targets are the servers of the S3 section, sharing one MinIO bucket
// under different prefixes.
type s3Targets struct {
	pier, dist *target
	// redirect is a second pier on the same bucket and prefix with
	// redirect: true, which sends pulls to MinIO as Distribution does.
	redirect *target
}

// s3Env is MinIO's coordinates, as conformance/minio.sh exports them.
type s3Env struct {
	endpoint, bucket, access, secret string
}

func readS3Env() (s3Env, error) {
	e := s3Env{
		endpoint: os.Getenv("PIER_TEST_S3_ENDPOINT"),
		bucket:   os.Getenv("PIER_TEST_S3_BUCKET"),
		access:   os.Getenv("PIER_TEST_S3_ACCESS_KEY"),
		secret:   os.Getenv("PIER_TEST_S3_SECRET_KEY"),
	}
	if e.endpoint == "" || e.bucket == "" || e.access == "" || e.secret == "" {
		return e, errors.New("-s3 needs PIER_TEST_S3_{ENDPOINT,BUCKET,ACCESS_KEY,SECRET_KEY} (source conformance/minio.sh, minio_start)")
	}
	return e, nil
}

func (b *bench) startS3(ctx context.Context) error {
	env, err := readS3Env()
	if err != nil {
		return err
	}
	mc, err := minio.New(env.endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(env.access, env.secret, ""), BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return err
	}
	run := strings.ToLower(rand.Text()[:8])
	pierPrefix, distRoot := "bench-pier-"+run, "bench-dist-"+run
	t := &s3Targets{}
	pierYAML := fmt.Sprintf("  s3:\n    endpoint: %s\n    bucket: %s\n    accessKey: %s\n    secretKey: %s\n    prefix: %s\n",
		env.endpoint, env.bucket, env.access, env.secret, pierPrefix)
	// Both piers share the bucket, and so its users: one password.
	password := rand.Text()
	if t.pier, err = b.startPier(ctx, "pier-s3", pierYAML, password); err != nil {
		return err
	}
	distYAML := fmt.Sprintf("  s3:\n    region: us-east-1\n    regionendpoint: http://%s\n    forcepathstyle: true\n    secure: false\n"+
		"    bucket: %s\n    accesskey: %s\n    secretkey: %s\n    rootdirectory: /%s\n",
		env.endpoint, env.bucket, env.access, env.secret, distRoot)
	if t.dist, err = b.startDistribution(ctx, "dist-s3", distYAML); err != nil {
		return err
	}
	if t.redirect, err = b.startPier(ctx, "pier-s3-redirect", pierYAML+"    redirect: true\n", password); err != nil {
		return err
	}
	t.pier.name, t.dist.name, t.redirect.name = "pier", "Distribution", "pier with redirect: true"
	t.pier.storagePID, t.dist.storagePID, t.redirect.storagePID = b.o.minioPID, b.o.minioPID, b.o.minioPID
	t.pier.reclaim = removeObjects(mc, env.bucket, func(d digest.Digest) string {
		return pierPrefix + "/blobs/" + string(d.Algorithm()) + "/" + d.Encoded()[:2] + "/" + d.Encoded()
	})
	t.dist.reclaim = removeObjects(mc, env.bucket, func(d digest.Digest) string { return distRoot + "/" + distBlobKey(d) })
	b.s3 = t
	return nil
}

// removeObjects is a reclaim for content stored as objects at key(d).
func removeObjects(mc *minio.Client, bucket string, key func(digest.Digest) string) func(context.Context, []digest.Digest) error {
	return func(ctx context.Context, ds []digest.Digest) error {
		for _, d := range ds {
			if err := mc.RemoveObject(ctx, bucket, key(d), minio.RemoveObjectOptions{}); err != nil {
				return fmt.Errorf("removing %s: %w", key(d), err)
			}
		}
		return nil
	}
}

// s3Round runs the push and pull rows against the S3-backed servers.
func (b *bench) s3Round(ctx context.Context, round int) error {
	t := b.s3
	pushers := rotate(round, t.pier, t.dist)
	return b.pushPullRows(ctx, "S3 (MinIO)", round, pushers, rotate(round, t.pier, t.dist, t.redirect), pushers)
}
