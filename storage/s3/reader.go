package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// readRetries is how many times in a row a reader reopens the object after
// the stream broke without delivering a byte.
const readRetries = 3

// Open returns key for reading. The first GET is made here (it also tells
// the size); later reads stream from it, and a Seek elsewhere reopens the
// object with a Range request, so nothing is buffered whole.
func (d *Driver) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	if err := checkDataKey(key); err != nil {
		return nil, storage.Info{}, err
	}
	body, oi, _, err := d.core.GetObject(ctx, d.bucket, d.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, storage.Info{}, wrapErr(ctx, "open", key, err)
	}
	info := storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}
	r := &reader{ctx: ctx, d: d, key: key, etag: oi.ETag, size: oi.Size, body: body}
	return r, info, nil
}

// reader is a ReadSeekCloser over one S3 object. pos is where the caller
// is; body, when open, streams from bodyPos. They differ after a Seek, and
// the body is only replaced when the next Read needs it, so the
// Seek(0, End), Seek(0, Start) pair of http.ServeContent costs nothing.
type reader struct {
	ctx     context.Context
	d       *Driver
	key     string
	etag    string
	size    int64
	pos     int64
	body    io.ReadCloser
	bodyPos int64
	closed  bool
	fails   int // consecutive broken reads without progress
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("s3: read %q: reader is closed", r.key)
	}
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Bytes already buffered by the transport would otherwise still be
	// served after the caller gave up.
	if err := r.ctx.Err(); err != nil {
		return 0, wrapErr(r.ctx, "read", r.key, err)
	}
	if r.body != nil && r.bodyPos != r.pos {
		r.dropBody()
	}
	for {
		if r.body == nil {
			if err := r.reopen(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.pos += int64(n)
		r.bodyPos = r.pos
		if n > 0 {
			r.fails = 0
		}
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, io.EOF) && r.pos >= r.size:
			return n, io.EOF
		}
		// The stream broke (reset, timeout, cut short): start a new GET
		// where we are, unless the caller gave up or it keeps failing.
		r.dropBody()
		if n > 0 {
			return n, nil
		}
		if err := r.giveUp(err); err != nil {
			return 0, err
		}
	}
}

// giveUp decides whether a broken read is retried (nil) or returned.
func (r *reader) giveUp(err error) error {
	r.fails++
	if r.ctx.Err() != nil || r.fails > readRetries {
		return wrapErr(r.ctx, "read", r.key, err)
	}
	t := time.NewTimer(time.Duration(r.fails) * 100 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return wrapErr(r.ctx, "read", r.key, r.ctx.Err())
	}
}

// reopen starts a GET from pos. If-Match makes sure every range comes from
// the object Open saw, not from one that replaced it since.
func (r *reader) reopen() error {
	var opts minio.GetObjectOptions
	if r.etag != "" {
		if err := opts.SetMatchETag(r.etag); err != nil {
			return fmt.Errorf("s3: read %q: %w", r.key, err)
		}
	}
	if r.pos > 0 {
		if err := opts.SetRange(r.pos, 0); err != nil {
			return fmt.Errorf("s3: read %q: %w", r.key, err)
		}
	}
	body, _, _, err := r.d.core.GetObject(r.ctx, r.d.bucket, r.d.object(r.key), opts)
	if err != nil {
		var resp minio.ErrorResponse
		if errors.As(err, &resp) && resp.Code == "PreconditionFailed" {
			return fmt.Errorf("s3: read %q: the object was replaced while being read", r.key)
		}
		return wrapErr(r.ctx, "read", r.key, err)
	}
	r.body, r.bodyPos = body, r.pos
	return nil
}

func (r *reader) dropBody() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

func (r *reader) Seek(offset int64, whence int) (int64, error) {
	if r.closed {
		return 0, fmt.Errorf("s3: seek %q: reader is closed", r.key)
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, fmt.Errorf("s3: seek %q: invalid whence %d", r.key, whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("s3: seek %q: negative position %d", r.key, abs)
	}
	r.pos = abs
	return abs, nil
}

func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.dropBody()
	return nil
}
