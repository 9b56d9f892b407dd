package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"
)

// getSmall reads a whole object that is expected to be at most limit
// bytes: a record or a leftover.
func (d *Driver) getSmall(ctx context.Context, op, key, object string, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if err := d.getInto(ctx, op, key, object, limit, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// getInto appends object to buf, failing if it is longer than limit.
// minio-go retries the request but not a body cut short, so that is
// retried here.
func (d *Driver) getInto(ctx context.Context, op, key, object string, limit int64, buf *bytes.Buffer) error {
	start := buf.Len()
	var err error
	for range readRetries + 1 {
		buf.Truncate(start)
		var body io.ReadCloser
		var oi minio.ObjectInfo
		body, oi, _, err = d.core.GetObject(ctx, d.bucket, object, minio.GetObjectOptions{})
		if err != nil {
			return wrapErr(ctx, op, key, err)
		}
		if oi.Size > limit {
			body.Close()
			return fmt.Errorf("s3: %s %q: object %s holds %d bytes, more than %d", op, key, object, oi.Size, limit)
		}
		buf.Grow(int(oi.Size))
		var n int64
		n, err = buf.ReadFrom(body)
		body.Close()
		if err == nil && n == oi.Size {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("got %d of %d bytes: %w", n, oi.Size, io.ErrUnexpectedEOF)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return wrapErr(ctx, op, key, err)
}
