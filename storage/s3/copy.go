package s3

import (
	"context"
	"fmt"
	"sync"

	"github.com/minio/minio-go/v7"
)

const (
	// maxCopySize is the largest object one CopyObject request may copy.
	maxCopySize = 5 << 30
	// copyPartSize is the size of each UploadPartCopy request beyond it:
	// 5 TiB in 5,000 parts.
	copyPartSize = 1 << 30
	// copyWorkers copy parts of one object concurrently.
	copyWorkers = 4
)

// copyObject copies the staged object src (size bytes) to key with
// server-side requests only.
func (d *Driver) copyObject(ctx context.Context, key, src string, size int64) error {
	if size <= maxCopySize {
		_, err := d.client.CopyObject(ctx,
			minio.CopyDestOptions{Bucket: d.bucket, Object: d.object(key)},
			minio.CopySrcOptions{Bucket: d.bucket, Object: src})
		return wrapErr(ctx, "commit", key, err)
	}
	return d.copyMultipart(ctx, key, src, size, copyPartSize)
}

// copyMultipart copies src to key as a multipart upload of ranged
// UploadPartCopy requests of partLen bytes, a few at a time.
func (d *Driver) copyMultipart(ctx context.Context, key, src string, size, partLen int64) error {
	dst := d.object(key)
	mid, err := d.core.NewMultipartUpload(ctx, d.bucket, dst, minio.PutObjectOptions{})
	if err != nil {
		return wrapErr(ctx, "commit", key, err)
	}
	parts, err := d.copyParts(ctx, dst, src, mid, size, partLen)
	if err == nil {
		_, err = d.core.CompleteMultipartUpload(ctx, d.bucket, dst, mid, parts, minio.PutObjectOptions{})
	}
	if err != nil {
		// Best effort: the commit has failed either way, and the error
		// that made it fail is the one worth reporting.
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		_ = d.core.AbortMultipartUpload(cctx, d.bucket, dst, mid)
	}
	return wrapErr(ctx, "commit", key, err)
}

// copyParts runs the UploadPartCopy requests of multipart upload mid,
// copyWorkers at a time, and stops at the first failure.
func (d *Driver) copyParts(ctx context.Context, dst, src, mid string, size, partLen int64) ([]minio.CompletePart, error) {
	count := int((size + partLen - 1) / partLen)
	parts := make([]minio.CompletePart, count)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		next     int
		wg       sync.WaitGroup
	)
	// take hands out the next part number, or -1 when done or failed.
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if firstErr != nil || next == count {
			return -1
		}
		next++
		return next - 1
	}
	for range min(copyWorkers, count) {
		wg.Go(func() {
			for i := take(); i >= 0; i = take() {
				off := int64(i) * partLen
				p, err := d.core.CopyObjectPart(ctx, d.bucket, src, d.bucket, dst, mid, i+1, off, min(partLen, size-off), nil)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("copying part %d: %w", i+1, err)
					cancel()
				}
				parts[i] = p
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return parts, firstErr
}
