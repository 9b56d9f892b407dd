package s3

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/pier-registry/pier/storage"
)

// maxRetries bounds how often minio-go repeats a request that failed with a
// network error or a retryable S3 status, backing off exponentially (up to
// a second) in between: long enough to ride out a blip, short enough that a
// client sees a 503 within seconds when S3 is down.
const maxRetries = 6

// Driver is a storage.Driver on one S3 bucket. It is safe for concurrent use
// and holds no state that another process on the same bucket would need.
type Driver struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	prefix   string // "" or "path/"
	redirect bool
	// holdTimes time the locks that hold uploads (see hold); tests shorten them.
	holdTimes holdTimes
}

var (
	_ storage.Driver     = (*Driver)(nil)
	_ storage.Redirector = (*Driver)(nil)
)

// New validates cfg, connects to S3 and checks that the bucket exists, the
// credentials are accepted (see Check) and S3 honours conditional writes.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, fmt.Errorf("s3: transport: %w", err)
	}
	// One host takes every request: keep enough idle connections for
	// concurrent blob traffic, and fail fast on an endpoint that is down.
	tr.MaxIdleConnsPerHost = 64
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	region := cfg.Region
	if region == "" {
		region = DefaultRegion
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.Secure,
		Region:       region,
		Transport:    tr,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: endpoint %q: %w", cfg.Endpoint, err)
	}
	d := &Driver{
		client:    client,
		core:      minio.Core{Client: client},
		bucket:    cfg.Bucket,
		prefix:    normalPrefix(cfg.Prefix),
		redirect:  cfg.Redirect,
		holdTimes: defaultHoldTimes,
	}
	if err := d.Check(ctx); err != nil {
		return nil, err
	}
	if err := d.checkConditionalWrites(ctx, cfg.Endpoint); err != nil {
		return nil, err
	}
	return d, nil
}

// Check verifies that S3 answers, the credentials are accepted and the
// bucket exists. It suits a readiness probe.
func (d *Driver) Check(ctx context.Context) error {
	ok, err := d.client.BucketExists(ctx, d.bucket)
	if err != nil {
		return wrapErr(ctx, "checking bucket", d.bucket, err)
	}
	if !ok {
		return fmt.Errorf("s3: bucket %q does not exist: %w", d.bucket, ErrUnavailable)
	}
	return nil
}

// Redirects reports whether the configuration asks for blob GETs to be
// answered with a redirect to RedirectURL.
func (d *Driver) Redirects() bool { return d.redirect }

// ChunkMinLength is the chunk size to ask of clients that upload in chunks
// (OCI-Chunk-Min-Length): one whole part, so that a session does not end
// with a leftover to save and load again.
func (d *Driver) ChunkMinLength() int64 { return basePartSize }

// Stat describes key.
func (d *Driver) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := checkDataKey(key); err != nil {
		return storage.Info{}, err
	}
	oi, err := d.client.StatObject(ctx, d.bucket, d.object(key), minio.StatObjectOptions{})
	if err != nil {
		return storage.Info{}, wrapErr(ctx, "stat", key, err)
	}
	return storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil
}

// Put replaces key with data in one PUT request, which S3 applies
// atomically.
func (d *Driver) Put(ctx context.Context, key string, data []byte) error {
	if err := checkDataKey(key); err != nil {
		return err
	}
	return d.putObject(ctx, "put", key, d.object(key), data)
}

// putObject writes data to object with a single PUT. A bytes.Reader body is
// seekable, so minio-go can retry it.
func (d *Driver) putObject(ctx context.Context, op, key, object string, data []byte) error {
	_, err := d.client.PutObject(ctx, d.bucket, object, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{DisableMultipart: true, ContentType: "application/octet-stream"})
	return wrapErr(ctx, op, key, err)
}

// Delete removes key; a missing key is not an error.
func (d *Driver) Delete(ctx context.Context, key string) error {
	if err := checkDataKey(key); err != nil {
		return err
	}
	return d.removeObject(ctx, "delete", key, d.object(key))
}

func (d *Driver) removeObject(ctx context.Context, op, key, object string) error {
	err := d.client.RemoveObject(ctx, d.bucket, object, minio.RemoveObjectOptions{})
	if err != nil && isNotFound(err) {
		return nil
	}
	return wrapErr(ctx, op, key, err)
}

// RedirectURL returns a presigned GET URL for key, valid for expiry (1
// second to 7 days). It does not check that key exists.
func (d *Driver) RedirectURL(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if err := checkDataKey(key); err != nil {
		return "", err
	}
	if expiry < time.Second || expiry > 7*24*time.Hour {
		return "", fmt.Errorf("s3: redirect expiry %v must be between 1s and 7 days", expiry)
	}
	u, err := d.client.PresignedGetObject(ctx, d.bucket, d.object(key), expiry, nil)
	if err != nil {
		return "", wrapErr(ctx, "presign", key, err)
	}
	return u.String(), nil
}
